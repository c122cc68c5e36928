"""ScheduleFitHook's rule: something done every few iterations, many times in a run, is warned about with the
setting that fits. (A real run's warnings: tests/higherhrnet_cli/test_cli_train.py.)"""
from higherhrnet.model_def.engine.hooks.schedule_fit_hook import _every


def test_a_checkpoint_every_epoch_of_one_iteration_is_warned_with_the_interval_that_fits():
    warning = _every(1, 3, 60, 'a checkpoint', 'default_hooks.checkpoint.interval')
    assert warning == ('a checkpoint every 1 epoch(s) = every 3 iteration(s) (60 times in 60 epochs of 3 '
                       'iteration(s)): to do it every 100+ iterations set --cfg-options '
                       'default_hooks.checkpoint.interval=34')


def test_the_official_coco_schedule_and_short_runs_fit():
    assert _every(1, 1336, 300, 'a checkpoint', 'x') is None  # COCO at 48 images per iteration
    assert _every(10, 1336, 300, 'validation', 'x') is None
    assert _every(1, 2, 10, 'a checkpoint', 'x') is None  # 10 checkpoints in the whole run
