"""Minimum-cost assignment that picks exactly what the classic ``munkres`` 1.1.4 package picks.

The official grouping hands its tag-distance costs to ``munkres.Munkres().compute``. Those costs are
``round(distance) * 100 - value``: the value term is the same along a whole row, so several optimal
assignments are the rule and the grouping depends on *which* one the solver returns (scipy's
``linear_sum_assignment`` and munkres 3.x return others). This module is the same algorithm step by
step, with the same scan orders and the same float64 arithmetic, but with the matrix work done by
numpy instead of Python loops over nested lists. ``tests/model_def/grouping/test_assignment.py`` checks it
against every problem recorded from the official code and against the package itself.
"""
import numpy as np

__all__ = ['classic_munkres']


def classic_munkres(cost):
    """Solve ``cost`` (R x C, any R, C >= 1) like ``munkres==1.1.4``.

    Returns an int32 array of (row, column) pairs, sorted by row, for the cells of the original
    matrix that the algorithm stars (one per row when R <= C).
    """
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2 or cost.shape[0] == 0 or cost.shape[1] == 0:
        raise ValueError(f'cost must be a non-empty 2-D matrix, got shape {cost.shape}')
    rows, cols = cost.shape
    n = max(rows, cols)
    # munkres pads to a square matrix with zeros (extra rows or columns).
    c = np.zeros((n, n), dtype=np.float64)
    c[:rows, :cols] = cost
    # Step 1: subtract each row's minimum, in place, one float64 subtraction per cell.
    c -= c.min(axis=1, keepdims=True)
    zeros = _ZeroRows(c)

    star_col = [-1] * n  # column of the star in each row (at most one)
    star_row = [-1] * n  # row of the star in each column (at most one)
    prime_col = [-1] * n  # column of the prime in each row (at most one)

    # Step 2: greedy starring, rows in order and within a row the first free zero column.
    for i in range(n):
        for j in zeros[i]:
            if star_row[j] < 0:
                star_col[i], star_row[j] = j, i
                break

    while True:
        # Step 3: cover the starred columns; done when all n are covered.
        col_covered = [r >= 0 for r in star_row]
        if all(col_covered):
            break
        row_covered = [False] * n
        # Step 4 (with step 6 inside): prime uncovered zeros until one has no star in its row.
        z_row, z_col, zeros = _prime_until_free_row(c, zeros, row_covered, col_covered, star_col,
                                                    prime_col)
        # Step 5: alternating path prime -> star in its column -> prime in that star's row ...;
        # stars on it are removed and primes become stars.
        path = [(z_row, z_col)]
        while star_row[path[-1][1]] >= 0:
            r = star_row[path[-1][1]]
            path.append((r, path[-1][1]))
            path.append((r, prime_col[r]))
        for r, col in path[1::2]:
            star_col[r] = star_row[col] = -1
        for r, col in path[0::2]:
            star_col[r], star_row[col] = col, r
        prime_col = [-1] * n

    pairs = [(i, star_col[i]) for i in range(rows) if 0 <= star_col[i] < cols]
    return np.array(pairs, dtype=np.int32).reshape(-1, 2)


class _ZeroRows:
    """``zeros[i]``: ascending columns of the exact zeros of row ``i`` (zero tests are exact, as
    in munkres), listed on first use: cost matrices are often mostly zeros after step 1."""

    def __init__(self, c):
        self._zero = c == 0
        self._rows = {}

    def __getitem__(self, i):
        row = self._rows.get(i)
        if row is None:
            row = self._rows[i] = np.flatnonzero(self._zero[i]).tolist()
        return row


def _prime_until_free_row(c, zeros, row_covered, col_covered, star_col, prime_col):
    """munkres step 4, running step 6 (and returning to step 4) whenever no uncovered zero is left.

    Returns the primed zero whose row holds no star, and the zeros (they change in step 6).
    Mutates ``c``, the covers and ``prime_col`` in place.
    """
    # munkres 1.1.4 keeps the search position in local variables of step 4, so every entry to
    # step 4 (also the one after step 6) starts searching again at (0, 0).
    row = col = 0
    while True:
        hit = _find_a_zero(zeros, row_covered, col_covered, row, col)
        if hit is None:
            _step6(c, row_covered, col_covered)
            zeros = _ZeroRows(c)
            row = col = 0
            continue
        row, col = hit
        prime_col[row] = col
        if star_col[row] < 0:
            return row, col, zeros
        # Cover the prime's row, uncover its star's column; the next search starts from there.
        col = star_col[row]
        row_covered[row] = True
        col_covered[col] = False


def _find_a_zero(zeros, row_covered, col_covered, i0, j0):
    """munkres' ``__find_a_zero``: rows are visited cyclically from ``i0``; the first row that has
    an uncovered zero is scanned cyclically from column ``j0`` and -- the quirk of 1.1.x, whose
    inner loop does not stop at a hit -- the **last** zero of that scan is returned."""
    n = len(row_covered)
    for i in list(range(i0, n)) + list(range(i0)):
        if row_covered[i]:
            continue
        found = [j for j in zeros[i] if not col_covered[j]]
        if found:
            wrapped = [j for j in found if j < j0]  # visited after the wrap-around: last in the scan
            return i, (wrapped or found)[-1]
    return None


def _step6(c, row_covered, col_covered):
    """munkres step 6: m = smallest uncovered value; add m to every covered row, then subtract it
    from every uncovered column. A covered-row / uncovered-column cell gets both operations in
    that order, (v + m) - m, which is not always v in float64; that decides later zero tests."""
    rows = np.array(row_covered)
    cols = ~np.array(col_covered)
    m = c[~rows][:, cols].min()
    c[rows] += m
    c[:, cols] -= m
