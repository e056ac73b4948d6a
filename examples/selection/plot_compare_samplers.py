"""
==========================================
Kept versus dropped: ASSS, K-means, random
==========================================

Which rows does each sampler keep? This example draws, side by side, the rows
kept by :class:`~sklearn_asss.ASSSSampler`, by
:class:`~sklearn_asss.KMeansSampler` (the rows nearest the K-means centroids)
and by :class:`~sklearn_asss.RandomSampler`, first on a two-dimensional toy
problem where the picture is the data, then on the digits in the plane of
their first two principal components, as in the paper's Fig. 3.

Each sampler keeps 30% of the rows, split among the classes in the same way,
so the pictures differ only in *which* rows of each class are kept.
"""

# %%
# A two-dimensional problem
# -------------------------
# Three overlapping classes in the plane: the class boundaries are where a
# classifier needs its training rows.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_blobs

from sklearn_asss import ASSSSampler, KMeansSampler, RandomSampler
from sklearn_asss.plotting import SelectionDisplay

X, y = make_blobs(n_samples=900, centers=[[-2, 0], [2, 0], [0, 2.5]],
                  cluster_std=[1.3, 1.3, 1.0], random_state=0)

samplers = {
    "ASSS": ASSSSampler(keep_ratio=0.3, max_epochs=10, random_state=0),
    "K-means": KMeansSampler(keep_ratio=0.3, random_state=0),
    "random": RandomSampler(keep_ratio=0.3, random_state=0),
}
for sampler in samplers.values():
    sampler.fit(X, y)

fig, axes = plt.subplots(1, 3, figsize=(15, 4.8), sharex=True, sharey=True,
                         layout="constrained")
for ax, (name, sampler) in zip(axes, samplers.items()):
    SelectionDisplay.from_sampler(sampler, X, y, projection=None, ax=ax, name=name,
                                  legend=ax is axes[0])
plt.show()

# %%
# K-means keeps the row nearest each of many small clusters, so its subset
# covers the whole spread of each class, outlying rows included; random keeps
# a thinner copy of the data, dense where the data are dense; ASSS keeps the
# rows its selector scored highest. Questions to ask of each panel: does the
# subset cover the regions where the classes meet? Does it drop whole parts of
# a class? A subset bunched in the cores of the classes is the *bias to easy
# samples* of the user guide's failure signatures.
#
# How far each subset sits from the class boundaries can be measured: the
# mean absolute margin of a classifier trained on all the data, over the kept
# rows (small: near the boundary), and how well a classifier trained on the
# kept rows does on fresh data from the same distribution.
from sklearn.linear_model import LogisticRegression

X_new, y_new = make_blobs(n_samples=3000, centers=[[-2, 0], [2, 0], [0, 2.5]],
                          cluster_std=[1.3, 1.3, 1.0], random_state=1)
reference = LogisticRegression().fit(X, y)
decision = reference.decision_function(X)
top_two = np.sort(decision, axis=1)[:, -2:]
margin = top_two[:, 1] - top_two[:, 0]
print(f"{'sampler':<10}{'mean margin of kept rows':>26}{'accuracy on new data':>22}")
print(f"{'all rows':<10}{margin.mean():>26.2f}"
      f"{reference.score(X_new, y_new):>22.3f}")
for name, sampler in samplers.items():
    kept = sampler.sample_indices_
    model = LogisticRegression().fit(X[kept], y[kept])
    print(f"{name:<10}{margin[kept].mean():>26.2f}{model.score(X_new, y_new):>22.3f}")

# %%
# Digits, in principal components
# -------------------------------
# On real data the rows live in many dimensions; the display projects them on
# their first two principal components (``projection="pca"``, the default;
# ``"tsne"`` is the slower alternative). The embedding of the first display is
# passed to the others (``projection=display.embedding``) so that the three
# panels share their coordinates. The last panel colours every row by its
# ASSS selection probability.
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = StandardScaler().fit_transform(X_digits)
for sampler in samplers.values():
    sampler.fit(X_digits, y_digits)

fig, axes = plt.subplots(2, 2, figsize=(12, 10), layout="constrained")
first = SelectionDisplay.from_sampler(samplers["ASSS"], X_digits, y_digits,
                                      ax=axes[0, 0], name="ASSS", random_state=0)
shared = {"projection": first.embedding, "axis_labels": first.axis_labels}
for ax, name in zip([axes[0, 1], axes[1, 0]], ["K-means", "random"]):
    SelectionDisplay.from_sampler(samplers[name], X_digits, y_digits, ax=ax,
                                  name=name, legend=False, **shared)
SelectionDisplay.from_sampler(samplers["ASSS"], X_digits, y_digits, ax=axes[1, 1],
                              color="score", legend=False,
                              title="ASSS: selection probability p", **shared)
plt.show()
