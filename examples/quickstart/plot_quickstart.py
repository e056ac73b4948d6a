"""
==========
Quickstart
==========

Keep 30% of a training set with :class:`~sklearn_asss.ASSSSampler`, train a
classifier on the kept rows, and compare it with a classifier trained on all
the rows and on a random 30%.

The data are scikit-learn's hand-written digits (1,797 rows, 64 features,
10 classes). The downstream model is a logistic regression; any scikit-learn
classifier works.
"""

# %%
# Fit the sampler
# ---------------
# A sampler is an imbalanced-learn sampler: ``fit_resample(X, y)`` returns the
# kept rows, unchanged and in their original order; ``sample_indices_`` says
# which rows they were. ASSS also gives every row its selection probability
# ``p`` (``selection_scores_``). ``max_epochs`` is kept small so that the
# example runs in seconds.
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_asss import ASSSSampler, RandomSampler

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

sampler = ASSSSampler(keep_ratio=0.3, max_epochs=8, random_state=0)
X_kept, y_kept = sampler.fit_resample(X_train, y_train)
print(f"kept {len(X_kept)} of {len(X_train)} training rows")
print("rows kept per class:", np.bincount(y_kept))
print("first kept rows:", sampler.sample_indices_[:8])
print(f"selection probabilities: min {sampler.selection_scores_.min():.3f}, "
      f"mean {sampler.selection_scores_.mean():.3f}, "
      f"max {sampler.selection_scores_.max():.3f}")

# %%
# Every class keeps its share of the budget, and at least
# ``min_samples_per_class`` rows (50 by default, all of a smaller class's), so
# no class vanishes from the subset and a rare class keeps enough rows to be
# learned. Within each class, the rows are chosen by their
# ``p`` as the parameter ``selection`` says: the default ``"clustered"``
# draws in proportion to ``p`` inside K-means clusters of the class, each
# cluster keeping its share; ``"sample"`` draws in proportion to ``p`` over
# the whole class; ``"top"`` keeps the highest ``p`` (the paper's rule);
# ``"stratified"`` covers the range of ``p`` after dropping its lowest tenth.
#
# Train on the subset
# -------------------
# The question a subsampler answers is how much of the full data's
# performance the subset retains. Compare with a uniform random 30%, the
# baseline every subsampler has to beat. One split of a small data set gives
# noisy figures: use cross-validation (or the benchmark command) before
# concluding anything.
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_asss.metrics import performance_retention_rate


def test_scores(X_fit, y_fit):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    y_pred = model.fit(X_fit, y_fit).predict(X_test)
    return accuracy_score(y_test, y_pred), f1_score(y_test, y_pred, average="macro")


X_random, y_random = RandomSampler(keep_ratio=0.3, random_state=0).fit_resample(
    X_train, y_train
)
full = test_scores(X_train, y_train)
print(f"{'training rows':<22}{'n':>6}{'accuracy':>10}{'macro F1':>10}{'F1 PRR':>8}")
for name, (X_fit, y_fit) in {
    "all": (X_train, y_train),
    "ASSS 30%": (X_kept, y_kept),
    "random 30%": (X_random, y_random),
}.items():
    accuracy, f1 = test_scores(X_fit, y_fit)
    prr = performance_retention_rate(f1, full[1])
    print(f"{name:<22}{len(y_fit):>6}{accuracy:>10.3f}{f1:>10.3f}{prr:>8.3f}")

# %%
# Look at what was kept
# ---------------------
# :class:`~sklearn_asss.plotting.SelectionDisplay` draws the training rows in
# the plane of their first two principal components: kept rows solid with a
# dark edge, dropped rows faded, in the colour of their class. With
# ``color="score"`` the colour is the selection probability instead.
import matplotlib.pyplot as plt

from sklearn_asss.plotting import SelectionDisplay

fig, (ax_class, ax_score) = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
display = SelectionDisplay.from_sampler(sampler, X_train, y_train, ax=ax_class,
                                        random_state=0)
SelectionDisplay.from_sampler(sampler, X_train, y_train, ax=ax_score,
                              projection=display.embedding,
                              axis_labels=display.axis_labels, color="score",
                              legend=False, title="ASSS: selection probability p")
plt.show()

# %%
# In a pipeline
# -------------
# In an :class:`imblearn.pipeline.Pipeline` the sampler acts during ``fit``
# only: the classifier is trained on the kept rows, and ``predict`` and
# ``score`` see every row.
from imblearn.pipeline import make_pipeline as make_imb_pipeline

model = make_imb_pipeline(
    StandardScaler(),
    ASSSSampler(keep_ratio=0.3, max_epochs=8, random_state=0),
    LogisticRegression(max_iter=2000),
)
model.fit(X_train, y_train)
print(f"pipeline test accuracy: {model.score(X_test, y_test):.3f}")
