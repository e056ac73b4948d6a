"""Greedy nearest-neighbour (radius) thinning."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from .._base import BaseSubsampler, Substitution, _subsampler_docstring
from .._utils import distinct_rows


@Substitution(**_subsampler_docstring)
class NNThinningSampler(BaseSubsampler):
    """Keep a well spread subset by greedy radius thinning, per class.

    Greedy thinning visits the rows of a class in a random order; a row that
    no kept row lies within ``radius`` of (Euclidean distance, ``<= radius``)
    is kept, every other row is dropped. The kept rows are pairwise more than
    ``radius`` apart and every dropped row lies within ``radius`` of a kept
    row: dense regions are thinned, sparse ones kept whole.

    Each class is thinned separately, so rows of different classes never
    thin each other and the per-class budgets of :class:`BaseSubsampler` hold.

    **Choosing the radius.** With ``radius=None`` (default) the radius of each
    class is searched so that thinning keeps about the class budget: the
    search first brackets the budget by multiplying or dividing a starting
    radius (the median nearest-neighbour distance in a random sample of 2,000
    rows) by 4, then narrows the bracket by interpolating the kept count as a
    power of the radius, safeguarded by bisection in log-radius, until the
    count is within ``tol`` of the budget or ``max_iter`` thinning passes were
    run. A pass that already keeps more than ``(1 + tol) * budget`` rows is
    stopped early: its radius is too small, and the rest of the pass would
    not change that.

    **Exact count.** The thinning pass whose count is nearest the budget is
    then made exact: if it kept too many rows, only the first ``budget`` rows
    it kept (in the random visiting order) stay, which is the same as
    stopping the greedy pass once the budget is reached, so the kept rows are
    still pairwise more than the radius apart; if it kept too few, rows are
    added uniformly at random from the dropped ones, distinct rows first and
    duplicates of kept rows last. A class whose budget is at least its number
    of distinct rows keeps one copy of each distinct row (radius 0) and is
    topped up with random duplicates. With an explicit ``radius`` the same
    trim or top-up brings each class to its budget: ``radius`` sets how
    spread out the subset is, ``keep_ratio`` its size; ``n_thinned_`` tells
    how many rows the thinning alone kept.

    **Scale.** Exact duplicate rows are always within the radius of each
    other, so thinning runs on the distinct rows of each class (the first copy
    of a row in the random order stands for it, which makes this an exact
    speed-up of thinning all rows in that order, not an approximation). The
    rows are visited in blocks of ``block_size``: a block is compared with all
    rows kept so far in one matrix product, then resolved internally in a few
    vectorised rounds. No distance matrix larger than ``block_size`` by the
    number of kept rows is ever formed, so memory stays
    ``O(n_distinct * n_features + block_size * n_kept)``; time is
    ``O(n_distinct * n_kept * n_features)`` per pass. Distances are computed
    as ``|a|^2 + |b|^2 - 2 a.b`` on centred data, in the precision of `X`
    (float32 stays float32).

    Parameters
    ----------
    {keep_ratio}

    {min_samples_per_class}

    radius : float or None, default=None
        Thinning radius, in the units of `X` (scale `X` first: thinning is
        Euclidean). None searches a radius per class as described above.

    tol : float, default=0.01
        Relative tolerance of the radius search on the kept count: the search
        stops when thinning keeps between ``(1 - tol)`` and ``(1 + tol)``
        times the budget. The remaining difference is trimmed or topped up.

    max_iter : int, default=20
        Maximum number of thinning passes of the radius search, per class.

    block_size : int, default=1024
        Rows compared with the kept rows at once. Larger blocks use more
        memory (``block_size * n_kept`` distances) and fewer Python steps.

    verbose : int, default=0
        If positive, print the radius search of each class.

    {random_state}

    Attributes
    ----------
    {fitted_attributes}

    radius_ : ndarray of shape (n_classes,)
        The radius used for each class (0 for a class that kept all its
        distinct rows).

    n_thinned_ : ndarray of shape (n_classes,)
        Number of rows the thinning pass at ``radius_`` kept for each class,
        before the trim or top-up to the class budget (for a search pass
        stopped early, the rows kept when it stopped).

    See Also
    --------
    KMeansSampler : Keep the rows nearest to K-means centroids.
    RandomSampler : Keep a uniformly random share of the rows.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_asss import NNThinningSampler
    >>> X, y = load_iris(return_X_y=True)
    >>> sampler = NNThinningSampler(keep_ratio=0.2, random_state=0)
    >>> X_sub, y_sub = sampler.fit_resample(X, y)
    >>> X_sub.shape
    (30, 4)
    >>> sampler.radius_.shape
    (3,)
    """

    _parameter_constraints: dict = {
        **BaseSubsampler._parameter_constraints,
        "radius": [Interval(Real, 0, None, closed="left"), None],
        "tol": [Interval(Real, 0, 1, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "block_size": [Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        keep_ratio=0.3,
        min_samples_per_class=1,
        radius=None,
        tol=0.01,
        max_iter=20,
        block_size=1024,
        verbose=0,
        random_state=None,
    ):
        super().__init__(
            keep_ratio=keep_ratio,
            min_samples_per_class=min_samples_per_class,
            random_state=random_state,
        )
        self.radius = radius
        self.tol = tol
        self.max_iter = max_iter
        self.block_size = block_size
        self.verbose = verbose

    def _select(self, X, y_encoded, budgets, random_state):
        n_classes = len(budgets)
        self.radius_ = np.zeros(n_classes)
        self.n_thinned_ = np.zeros(n_classes, dtype=np.intp)
        kept = []
        for c, budget in enumerate(budgets):
            rows = np.flatnonzero(y_encoded == c)
            # random visiting order of the rows; a distinct row is visited where
            # its first copy is
            order = rows[random_state.permutation(len(rows))]
            kept_c, self.radius_[c], self.n_thinned_[c] = self._thin_class(
                X, order, int(budget), random_state, c
            )
            kept.append(kept_c)
        return np.concatenate(kept)

    def _thin_class(self, X, order, budget, random_state, c):
        """(kept rows of X, radius, count kept by thinning) for the rows `order` of one class."""
        distinct, first_pos, _, _ = distinct_rows(X[order])
        representative = order[first_pos]  # distinct rows in visiting order, as rows of X
        n_distinct = len(first_pos)
        if self.radius is None and budget >= n_distinct:
            chosen, radius, n_thinned = np.arange(n_distinct), 0.0, n_distinct
        else:
            points = distinct - distinct.mean(axis=0)
            thinner = _GreedyThinning(points, self.block_size)
            if self.radius is not None:
                radius = float(self.radius)
                chosen = thinner.thin(radius, max_keep=None)
            else:
                radius, chosen = self._search_radius(thinner, budget, random_state, c)
            n_thinned = len(chosen)
        if self.verbose:
            print(
                f"[NNThinningSampler] class {c}: {len(order)} rows, {n_distinct} distinct, "
                f"budget {budget}, radius {radius:.4g} keeps {n_thinned}"
            )
        if len(chosen) >= budget:
            # trim: stop the greedy pass once the budget is reached
            return representative[chosen[:budget]], radius, n_thinned
        # top up at random: dropped distinct rows first, then duplicates
        # (positions in the visiting order)
        keys = random_state.uniform(size=len(order))
        keys[first_pos] += 1.0
        keys[first_pos[chosen]] = -np.inf
        extra = order[np.argsort(-keys, kind="stable")[: budget - len(chosen)]]
        return np.concatenate([representative[chosen], extra]), radius, n_thinned

    def _search_radius(self, thinner, budget, random_state, c):
        """Bracket, then interpolate / bisect the radius until the count is near budget."""
        cap = int(np.floor(budget * (1 + self.tol)))
        low, high = 0.0, np.inf
        n_low, n_high = float(thinner.n_points), 0.0
        radius = _initial_radius(thinner.points, random_state)
        best = None  # (|count - budget|, radius, chosen) of the pass nearest budget
        for iteration in range(self.max_iter):
            chosen, n_estimate = thinner.thin(radius, max_keep=cap, estimate=True)
            count = len(chosen)
            complete = count <= cap
            gap = abs(n_estimate - budget)
            if best is None or gap < best[0]:
                best = (gap, radius, chosen)
            if self.verbose > 1:
                status = "" if complete else f" (stopped early, about {n_estimate:.0f})"
                print(
                    f"[NNThinningSampler] class {c} pass {iteration}: "
                    f"radius {radius:.4g} keeps {count}{status}"
                )
            if complete and count >= budget * (1 - self.tol):
                break
            if count > budget:
                low, n_low = radius, n_estimate
            else:
                high, n_high = radius, max(float(count), 0.5)
            if high == np.inf:
                radius = radius * 4.0
            elif low == 0.0:
                radius = radius / 4.0
            else:
                if high / low < 1 + 1e-9:
                    break
                # kept count ~ radius ** -s between the bracket ends
                slope = np.log(n_low / n_high) / np.log(high / low)
                guess = low * (n_low / budget) ** (1.0 / slope) if slope > 0 else np.nan
                lo_log, hi_log = np.log(low), np.log(high)
                step = hi_log - lo_log
                if not np.isfinite(guess):
                    guess = np.exp(lo_log + 0.5 * step)
                radius = float(
                    np.exp(np.clip(np.log(guess), lo_log + 0.1 * step, hi_log - 0.1 * step))
                )
        return best[1], best[2]


class _GreedyThinning:
    """Greedy radius thinning of fixed points in their given order, in blocks."""

    def __init__(self, points, block_size):
        self.points = points
        self.n_points = len(points)
        self.block_size = block_size
        self.sq_norms = np.einsum("ij,ij->i", points, points)

    def thin(self, radius, max_keep=None, estimate=False):
        """Indices of the kept points in visiting order (at most ``max_keep + block``).

        With ``max_keep``, stop once more than ``max_keep`` points are kept.
        With ``estimate``, also return the kept count extrapolated to the
        whole pass (exact when the pass ran to the end).
        """
        points, sq_norms = self.points, self.sq_norms
        limit = self.n_points if max_keep is None else max_keep
        n_buffer = min(self.n_points, limit + self.block_size)
        kept_points = np.empty((n_buffer, points.shape[1]), points.dtype)
        kept_norms = np.empty(len(kept_points), points.dtype)
        kept = []
        n_kept = 0
        r2 = radius * radius
        stop = self.n_points
        for start in range(0, self.n_points, self.block_size):
            block = np.arange(start, min(start + self.block_size, self.n_points))
            X_block, norms = points[block], sq_norms[block]
            if n_kept:
                # squared distance to the nearest kept point, minus |x|^2
                products = X_block @ kept_points[:n_kept].T
                products *= -2
                products += kept_norms[:n_kept]
                alive = products.min(axis=1) + norms > r2
                block, X_block, norms = block[alive], X_block[alive], norms[alive]
            if len(block):
                d2 = norms[:, None] + norms[None, :] - 2 * (X_block @ X_block.T)
                conflicts = np.tril(d2 <= r2, k=-1)
                keep = _resolve_in_order(conflicts)
                n_new = int(keep.sum())
                kept_points[n_kept : n_kept + n_new] = X_block[keep]
                kept_norms[n_kept : n_kept + n_new] = norms[keep]
                n_kept += n_new
                kept.append(block[keep])
            if n_kept > limit:
                stop = min(start + self.block_size, self.n_points)
                break
        chosen = np.concatenate(kept) if kept else np.zeros(0, dtype=np.intp)
        if not estimate:
            return chosen
        n_estimate = n_kept * self.n_points / stop
        return chosen, float(n_estimate)


def _resolve_in_order(conflicts):
    """Greedy sequential keep/drop of a block, in a few vectorised rounds.

    ``conflicts[i, j]`` (only for ``j < i``) means that keeping ``j`` drops
    ``i``. Row ``i`` is kept when no earlier row that is kept or still
    undecided conflicts with it, dropped once an earlier kept row does; the
    earliest undecided row is always decided, so the rounds end, and the
    result is exactly that of visiting the rows one by one.
    """
    n = len(conflicts)
    kept = np.zeros(n, dtype=bool)
    undecided = np.ones(n, dtype=bool)
    while undecided.any():
        blocking = conflicts[:, undecided | kept].any(axis=1)
        new_kept = undecided & ~blocking
        kept |= new_kept
        undecided &= ~new_kept
        dropped = undecided & conflicts[:, kept].any(axis=1)
        undecided &= ~dropped
    return kept


def _initial_radius(points, random_state, n_sample=2000):
    """Median nearest-neighbour distance in a random sample of the (distinct) points."""
    n = len(points)
    sample = points[random_state.choice(n, size=min(n, n_sample), replace=False)]
    sq = np.einsum("ij,ij->i", sample, sample)
    d2 = sq[:, None] + sq[None, :] - 2 * (sample @ sample.T)
    np.fill_diagonal(d2, np.inf)
    radius = float(np.sqrt(max(np.median(d2.min(axis=1)), 0.0)))
    if not np.isfinite(radius) or radius <= 0:
        radius = float(np.sqrt(np.mean(np.var(points, axis=0)) + 1e-12))
    return radius if radius > 0 else 1.0
