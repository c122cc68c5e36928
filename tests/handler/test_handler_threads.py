"""handler.threads: each worker's share of the cores, unless the operator says otherwise."""
import pytest

from higherhrnet.handler.threads import available_cores, worker_threads


def test_auto_divides_the_cores_among_the_workers():
    assert worker_threads('auto', workers=1, cores=16, environment={}) == 16
    assert worker_threads('auto', workers=4, cores=16, environment={}) == 4
    assert worker_threads('auto', workers=3, cores=2, environment={}) == 1
    assert worker_threads('auto', workers=1, environment={}) == available_cores() >= 1


def test_an_explicit_number_wins_and_auto_keeps_the_operators_omp_num_threads():
    assert worker_threads(3, workers=1, cores=16, environment={'OMP_NUM_THREADS': '1'}) == 3
    assert worker_threads('auto', workers=1, cores=16, environment={'OMP_NUM_THREADS': '2'}) == 2
    assert worker_threads('auto', workers=2, cores=16, environment={'OMP_NUM_THREADS': ''}) == 8


@pytest.mark.parametrize('setting', [0, -1, 1.5, 'four', True])
def test_bad_settings_are_refused(setting):
    with pytest.raises(ValueError, match='threads must be a positive integer'):
        worker_threads(setting, workers=1)
