"""Turning per-sample scores into a subset under per-class budgets.

Every sampler of the package ends here: it computes one score per training
row (or draws random keys) and these functions keep the requested number of
rows of each class. All loops run over classes, never over samples.
"""

import numpy as np


def n_to_keep(n_samples, n_classes, keep_ratio):
    """Number of rows kept: ``round(keep_ratio * n_samples)``, at least one per class."""
    return int(min(n_samples, max(n_classes, round(keep_ratio * n_samples))))


def class_budgets(class_counts, n_keep):
    """Split ``n_keep`` rows among classes in proportion to their sizes.

    The rule shared by every sampler: each class gets its proportional share
    ``n_keep * n_c / n`` rounded by the largest-remainder method, so the
    budgets add up to exactly ``n_keep``; then every class gets at least one
    row (no class vanishes from the subset). The rows that floor costs are
    taken from the classes with the largest budgets.

    Parameters
    ----------
    class_counts : ndarray of shape (n_classes,)
        Number of training rows of each class (all positive).
    n_keep : int
        Total number of rows to keep, ``n_classes <= n_keep <= class_counts.sum()``.

    Returns
    -------
    budgets : ndarray of shape (n_classes,)
        Rows to keep per class, ``1 <= budgets <= class_counts``, summing to
        ``n_keep``.
    """
    class_counts = np.asarray(class_counts, dtype=np.int64)
    n_total = class_counts.sum()
    shares = n_keep * class_counts / n_total
    budgets = np.floor(shares).astype(np.int64)
    remainder = n_keep - budgets.sum()
    if remainder > 0:
        # stable sort: ties go to the lower class index, so the rule is deterministic
        order = np.argsort(-(shares - budgets), kind="stable")
        budgets[order[:remainder]] += 1
    budgets = np.minimum(np.maximum(budgets, 1), class_counts)
    excess = budgets.sum() - n_keep
    while excess > 0:
        # only reached when the floor of one row per class was raised for tiny classes
        donor = np.argmax(budgets)
        take = min(excess, budgets[donor] - 1)
        budgets[donor] -= take
        excess -= take
    return budgets


def select_top(scores, y_encoded, budgets):
    """Keep, per class, the ``budgets[c]`` rows with the highest score.

    Ties are broken by the lower row index, so the result is deterministic.
    """
    kept = []
    for c, budget in enumerate(budgets):
        rows = np.flatnonzero(y_encoded == c)
        order = np.argsort(-scores[rows], kind="stable")
        kept.append(rows[order[:budget]])
    return np.sort(np.concatenate(kept))


def select_sample(probabilities, y_encoded, budgets, random_state):
    """Draw, per class, ``budgets[c]`` rows without replacement, in proportion to ``p``.

    This is the Gumbel top-k trick: the top-k of ``log p + Gumbel noise`` is a
    draw of k rows without replacement with probabilities proportional to ``p``.
    """
    gumbel = random_state.gumbel(size=len(probabilities))
    keys = np.log(np.clip(probabilities, 1e-12, None)) + gumbel
    return select_top(keys, y_encoded, budgets)


def select_stratified(probabilities, y_encoded, budgets, random_state, n_bands=10):
    """Draw evenly across bands of ``p``, per class, after dropping the lowest band.

    Within each class the rows are ranked by ``p`` and cut into ``n_bands``
    bands of equal size. The lowest band (the rows the selector trusts least:
    in practice mislabeled and atypical rows) is dropped whenever the class has
    enough rows left for its budget; the budget is then spread evenly over the
    remaining ranks (systematic sampling with a random offset), so the subset
    covers the whole range of ``p`` instead of only its top.
    """
    kept = []
    for c, budget in enumerate(budgets):
        rows = np.flatnonzero(y_encoded == c)
        ranked = rows[np.argsort(probabilities[rows], kind="stable")]
        n_drop = len(ranked) // n_bands
        if len(ranked) - n_drop >= budget:
            ranked = ranked[n_drop:]
        step = len(ranked) / budget
        positions = np.floor(random_state.uniform(0, step) + step * np.arange(budget))
        kept.append(ranked[positions.astype(np.int64)])
    return np.sort(np.concatenate(kept))
