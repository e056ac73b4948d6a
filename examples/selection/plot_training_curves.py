"""
===========================================
Training curves: the paper's collapse, seen
===========================================

:func:`~sklearn_asss.plotting.plot_history` draws what
:class:`~sklearn_asss.ASSSSampler` records in ``history_`` after every epoch:
the task loss L_C and the selector loss L_G, the mean selection probability
``mean_p`` against ``keep_ratio``, and the Gumbel-softmax temperature. This
example uses it to show the main failure signature of the paper's objective,
equation (4), and how the bi-level objective avoids it.

The selector's learning rate is raised from its default 1e-4 to 1e-3 so that
what takes many epochs on a large data set happens here within 20 epochs of a
small one (scikit-learn's digits).
"""

# %%
# The paper's objective
# ---------------------
# ``objective="paper"`` minimises L_G = L_C + lambda * mean(p) - beta * H(p).
# Both L_C (a sum of losses weighted by the relaxed selections) and the
# sparsity term fall whenever any probability falls, so nothing holds the
# probabilities up. When the final mean probability has fallen close to 0 the
# sampler warns (``SelectionCollapseWarning``).
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from sklearn_asss import ASSSSampler
from sklearn_asss.plotting import plot_history

X, y = load_digits(return_X_y=True)
settings = {"keep_ratio": 0.3, "max_epochs": 20, "selector_lr": 1e-3, "random_state": 0}

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    paper = ASSSSampler(objective="paper", **settings).fit(X, y)
for warning in caught:
    print(f"{type(warning.message).__name__}: {warning.message}")
print("mean p per epoch:", [f"{p:.2g}" for p in paper.history_[:, "mean_p"]])

axes = plot_history(paper)
axes[0].figure.suptitle('objective="paper" (equation (4))')
plt.show()

# %%
# Read the panels from the middle one: after the two warm-up epochs (shaded;
# only the task network trains) the mean probability leaves ``keep_ratio``
# behind and heads for 0. The task loss L_C in the top panel falls toward 0
# with it: not because the classifier got better, but because every row's
# weight vanished. This is the *empty subset* signature. The sampler still
# returns ``keep_ratio`` of the rows (the retrieval ranks them by ``p``), but
# the ranking is what is left of ``p`` after the collapse.
#
# The bi-level objective
# ----------------------
# ``objective="bilevel"`` judges the selector by the loss, on an independent
# batch, of the task network after one look-ahead step on the weighted batch,
# and replaces the sparsity reward by the budget penalty
# ``sparsity_weight * (mean(p) - keep_ratio) ** 2``: the mean probability is
# held near ``keep_ratio`` and the selector can only move probability from
# some rows to others.
bilevel = ASSSSampler(objective="bilevel", **settings).fit(X, y)
print("mean p per epoch:", [f"{p:.2g}" for p in bilevel.history_[:, "mean_p"]])

axes = plot_history(bilevel)
axes[0].figure.suptitle('objective="bilevel" (equation (1), one step deep)')
plt.show()

# %%
# Here ``task_loss`` is the look-ahead loss on the independent batch: it falls
# as the task network learns, and ``mean_p`` stays near the dashed budget.
#
# What the selection probabilities look like
# ------------------------------------------
# The spread of ``selection_scores_`` is the other thing to check: a collapsed
# selector leaves every probability near 0, a saturated one pushes them into a
# narrow band (see the user guide's failure signatures).
import numpy as np

fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
bins = np.linspace(0, 1, 41)
ax.hist(paper.selection_scores_, bins=bins, alpha=0.6, label='objective="paper"')
ax.hist(bilevel.selection_scores_, bins=bins, alpha=0.6, label='objective="bilevel"')
ax.axvline(0.3, color="0.3", linestyle="--", label="keep_ratio")
ax.set_xlabel("selection probability p")
ax.set_ylabel("training rows")
ax.set_yscale("log")
ax.legend()
plt.show()
