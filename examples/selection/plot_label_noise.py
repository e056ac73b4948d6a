"""
====================
Cleaning label noise
====================

A subsampler can also clean: if it gives mislabeled rows a low selection
probability, the subset holds fewer of them than the data. This example flips
20% of the training labels of scikit-learn's digits on purpose, fits
:class:`~sklearn_asss.ASSSSampler`, and measures how well its selection
probabilities ``p`` single out the flipped rows, how many of them end up in
the kept 30%, and what that does to a classifier trained on the subset. It
then turns on what does most of the cleaning by default: the label filter,
which flags the rows whose label the game's task network confidently
contradicts (cleanlab's rule, ``label_issues_``) and keeps them only when a
class has too few other rows.

A uniform random subset keeps flipped rows at their base rate, 20%: that is
the figure to beat.
"""

# %%
# Flip 20% of the training labels
# -------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
rng = np.random.RandomState(42)  # a seed of its own, independent of the samplers
flipped = rng.uniform(size=len(y_train)) < 0.2
y_noisy = y_train.copy()
# a flipped label is replaced by one of the nine other classes, uniformly
y_noisy[flipped] = (y_train[flipped] + rng.randint(1, 10, flipped.sum())) % 10
print(f"{flipped.sum()} of {len(y_train)} training labels flipped "
      f"({flipped.mean():.1%}); test labels are clean")

# %%
# Fit the samplers on the noisy labels
# ------------------------------------
# The selector sees each row's features, its (noisy) label and the task
# network's loss on it (``selector_input="features+label+loss"``, the
# default): from the features alone it could not tell a flipped label from a
# clean one. ``selection="top"`` keeps the highest ``p``; the default,
# ``"clustered"``, draws in proportion to ``p`` within clusters of each class.
# The first two samplers turn the label filter off, to see what ``p`` does alone.
from sklearn.metrics import roc_auc_score

from sklearn_asss import ASSSSampler, RandomSampler

samplers = {
    "random": RandomSampler(keep_ratio=0.3, random_state=0),
    "ASSS, top, no filter": ASSSSampler(keep_ratio=0.3, selection="top",
                                        label_filter=None, max_epochs=10, random_state=0),
    "ASSS, no filter": ASSSSampler(keep_ratio=0.3, label_filter=None, max_epochs=10,
                                   random_state=0),
    "ASSS (default)": ASSSSampler(keep_ratio=0.3, random_state=0),
}
for sampler in samplers.values():
    sampler.fit(X_train, y_noisy)

p = samplers["ASSS, top, no filter"].selection_scores_
auc = roc_auc_score(flipped, 1 - p)
print(f"ROC AUC of 1 - p for 'the label was flipped': {auc:.3f} (0.5 = no signal)")
# the task network's loss on each row, the input the selector ranks from
loss_auc = roc_auc_score(flipped, samplers["ASSS, top, no filter"].task_losses_)
print(f"ROC AUC of the task network's loss:           {loss_auc:.3f}")
issues = samplers["ASSS (default)"].label_issues_
print(f"label filter: {issues.sum()} rows flagged, {flipped[issues].mean():.1%} of them "
      f"flipped; {issues[flipped].mean():.1%} of the flipped rows flagged")

# %%
# On a table this small the game is short and ``p`` moves little, while the
# task network's loss already separates the flipped rows well. The label
# filter uses networks of that kind, trained on halves of the rows: the class
# probabilities of the half that did not see a row flag it when they
# confidently contradict its label, and the default sampler keeps those only
# when a class runs short of other rows (its game, on a table this small, is
# 3 epochs: ``max_epochs="auto"``). The user guide's comparison page measures
# the same on larger tables. The distribution of ``p`` for clean and for flipped rows shows the same
# thing as the AUC: the further apart the two histograms, the better the
# selector tells them apart.
fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
bins = np.linspace(p.min(), p.max(), 40)
ax.hist(p[~flipped], bins=bins, alpha=0.6, density=True, label="clean label")
ax.hist(p[flipped], bins=bins, alpha=0.6, density=True, label="flipped label")
ax.set_xlabel("selection probability p")
ax.set_ylabel("density")
ax.set_title(f"ASSS selection probabilities (ROC AUC {auc:.2f})")
ax.legend()
plt.show()

# %%
# What ends up in the subset, and what it is worth
# ------------------------------------------------
# For each sampler: the share of flipped labels among the kept rows, and the
# test accuracy of a logistic regression trained on the kept rows (with their
# noisy labels), next to one trained on all the noisy rows.
from sklearn.linear_model import LogisticRegression


def test_accuracy(rows):
    model = LogisticRegression(max_iter=2000).fit(X_train[rows], y_noisy[rows])
    return model.score(X_test, y_test)


print(f"{'training rows':<20}{'n':>6}{'flipped kept':>14}{'test accuracy':>15}")
everything = np.arange(len(y_train))
print(f"{'all (noisy)':<20}{len(everything):>6}{flipped.mean():>14.1%}"
      f"{test_accuracy(everything):>15.3f}")
for name, sampler in samplers.items():
    kept = sampler.sample_indices_
    print(f"{name:<20}{len(kept):>6}{flipped[kept].mean():>14.1%}"
          f"{test_accuracy(kept):>15.3f}")

# %%
# Where the flipped rows are
# --------------------------
# The flipped rows (red crosses) in a t-SNE map of the training rows, with
# what the default ASSS subset kept. t-SNE separates the digits into one
# island per class, so a flipped row, which sits among the rows of its true
# class but carries another class's label, shows as a point of the wrong
# colour on an island.
from sklearn_asss.plotting import SelectionDisplay

display = SelectionDisplay.from_sampler(
    samplers["ASSS (default)"], X_train, y_noisy, highlight=flipped,
    highlight_label="flipped label", projection="tsne", random_state=0,
    name="ASSS (default)",
)
display.figure_.set_size_inches(8, 6.5)
plt.show()
