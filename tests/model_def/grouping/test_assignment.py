"""classic_munkres must pick exactly the assignment munkres 1.1.4 picks, ties included."""
import numpy as np
import pytest
from munkres import Munkres

from higherhrnet.model_def.grouping.assignment import classic_munkres
from conftest import reference_path


def _munkres_114(cost):
    # the package is fed lists, as the official code effectively does (1.1.4 is slow on arrays)
    return np.array(Munkres().compute(np.asarray(cost).tolist()), dtype=np.int32).reshape(-1, 2)


def test_every_recorded_problem():
    cases = np.load(reference_path('munkres_cases.npz'))
    count = int(cases['count'])
    assert count > 0
    for k in range(count):
        cost = cases[f'{k:03d}__cost']
        np.testing.assert_array_equal(classic_munkres(cost), cases[f'{k:03d}__pairs'],
                                      err_msg=f'problem {k} ({cases[f"{k:03d}__source"]})')


def _tie_heavy(rng):
    rows = rng.randint(1, 13)
    cols = rng.randint(rows, 15)
    kind = rng.randint(3)
    if kind == 0:  # the grouping's cost: round(distance) * 100 - value, padded with 1e10 columns
        cost = np.round(rng.rand(rows, cols) * 3) * 100 - rng.choice([0.15, 0.3, 0.5], (rows, 1))
        if cols > rows:
            cost[:, cols - rng.randint(0, cols - rows + 1):] = 1e10
    elif kind == 1:  # small integers: many equal optima
        cost = rng.randint(0, 3, (rows, cols)).astype(float)
    else:  # more rows than columns: munkres pads columns
        cost = rng.rand(cols + rng.randint(1, 4), cols)
    return cost


@pytest.mark.parametrize('seed', range(4))
def test_random_tie_heavy_matrices_match_the_package(seed):
    rng = np.random.RandomState(seed)
    for _ in range(150):
        cost = _tie_heavy(rng)
        np.testing.assert_array_equal(classic_munkres(cost), _munkres_114(cost))


def test_float_cost_that_needs_step6_arithmetic():
    # non-integer costs: step 6 adds then subtracts the minimum; exact zero tests follow it
    rng = np.random.RandomState(7)
    for _ in range(50):
        cost = np.round(rng.rand(9, 11) * 4) * 100 - rng.rand(9, 1)
        np.testing.assert_array_equal(classic_munkres(cost), _munkres_114(cost))


@pytest.mark.parametrize('bad', [np.zeros((0, 3)), np.zeros(4), np.zeros((2, 0))])
def test_bad_input(bad):
    with pytest.raises(ValueError):
        classic_munkres(bad)
