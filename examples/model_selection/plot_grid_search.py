"""
===========================================
Tuning ASSS in a Pipeline with GridSearchCV
===========================================

Every sampler of the package is an imbalanced-learn sampler, so it is a step
of an :class:`imblearn.pipeline.Pipeline` and its parameters are searched
like any other: ``asss__sparsity_weight``, ``asss__keep_ratio``. The sampler
acts during ``fit`` only, so each cross-validation fold trains the classifier
on the subset of its training part and scores it on the whole, untouched,
test part: the search measures what the subset is worth downstream.

The same grid also swaps the whole step for
:class:`~sklearn_asss.RandomSampler`, the baseline, so that ASSS is compared
with it under identical conditions.
"""

# %%
# The pipeline and the grid
# -------------------------
# ``max_epochs`` is small to keep the example quick; a real search would use
# more data and the defaults.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklearn_asss import ASSSSampler, RandomSampler

X, y = load_digits(return_X_y=True)

pipe = Pipeline([
    ("scale", StandardScaler()),
    ("asss", ASSSSampler(max_epochs=4, warmup_epochs=1, random_state=0)),
    ("clf", LogisticRegression(max_iter=1000)),
])
keep_ratios = [0.1, 0.3]
param_grid = [
    {"asss__sparsity_weight": [0.1, 1.0, 10.0], "asss__keep_ratio": keep_ratios},
    {"asss": [RandomSampler(random_state=0)], "asss__keep_ratio": keep_ratios},
]
search = GridSearchCV(
    pipe, param_grid, scoring="f1_macro",
    cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0), n_jobs=1,
)
search.fit(X, y)
print("best parameters:", search.best_params_)
print(f"best cross-validated macro F1: {search.best_score_:.3f}")

# %%
# The results
# -----------
# ``cv_results_`` holds one row per candidate. One line per sampler setting,
# macro F1 against the share of rows kept; the error bars are the standard
# deviation over the folds.
results = pd.DataFrame(search.cv_results_)
results["sampler"] = [
    "random" if isinstance(params.get("asss"), RandomSampler)
    else f"ASSS, sparsity_weight={params['asss__sparsity_weight']:g}"
    for params in results["params"]
]
print(results[["sampler", "param_asss__keep_ratio", "mean_test_score",
               "std_test_score"]].to_string(index=False))

fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
for offset, (name, rows) in zip(np.linspace(-0.006, 0.006, 4),
                                results.groupby("sampler", sort=False)):
    ax.errorbar(rows["param_asss__keep_ratio"].astype(float) + offset,
                rows["mean_test_score"], yerr=rows["std_test_score"],
                marker="o", capsize=3, label=name)
ax.set_xlabel("keep_ratio")
ax.set_ylabel("macro F1 (3-fold CV)")
ax.set_xticks(keep_ratios)
ax.legend()
ax.set_title("Downstream score of the subset, by sampler setting")
plt.show()

# %%
# Read the picture along the horizontal axis first: how much is lost by
# keeping 10% instead of 30%, for every sampler. Then compare the ASSS lines
# with the random line at the same ``keep_ratio``: with the same budget, the
# gap is what learning the selection is worth on these data. ASSS lines that
# coincide mean the sparsity weight did not change the subset: in a few epochs
# at the default ``selector_lr`` the selector moves ``p`` only a little, and a
# draw from nearly equal ``p`` is mostly the same draw whatever the weight
# (use more epochs before reading anything into ``sparsity_weight``). With
# three folds of a small data set the error bars are wide; differences within
# them are not evidence.
