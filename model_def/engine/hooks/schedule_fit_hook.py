"""``ScheduleFitHook``: one warning line per setting of the schedule that does not fit the data's size."""
import logging
import math

from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log

from higherhrnet.registry import HOOKS

# Fewer iterations than this between two checkpoints (or two validations) is "often": a W32 training
# checkpoint is ~340 MB to write, a validation a pass over the whole validation set.
MIN_ITERATIONS_BETWEEN = 100
# ... and only a run that does it more often than this many times is warned about.
MAX_OCCURRENCES = 10


def _every(interval_epochs, iterations_per_epoch, max_epochs, what, setting):
    """The warning for ``what`` done every ``interval_epochs`` epochs, or None when it fits."""
    iterations = interval_epochs * iterations_per_epoch
    times = max_epochs // interval_epochs
    if iterations >= MIN_ITERATIONS_BETWEEN or times <= MAX_OCCURRENCES:
        return None
    fitting = min(max_epochs, math.ceil(MIN_ITERATIONS_BETWEEN / iterations_per_epoch))
    return (f'{what} every {interval_epochs} epoch(s) = every {iterations} iteration(s) ({times} times in '
            f'{max_epochs} epochs of {iterations_per_epoch} iteration(s)): to do it every '
            f'{MIN_ITERATIONS_BETWEEN}+ iterations set --cfg-options {setting}={fitting}')


@HOOKS.register_module()
class ScheduleFitHook(Hook):
    """Warns, before the first iteration, when the config's schedule (in epochs, as the official one
    made for COCO's 1300+ iterations per epoch) does not fit the data: on a few images an epoch is a
    few iterations, so a checkpoint every epoch and a validation every 10 come every few iterations,
    and lr milestones past ``max_epochs`` never apply. The config is obeyed as it is; the warning
    says the figures and the setting to change."""

    priority = 'LOW'

    def before_train(self, runner):
        loop = runner.train_loop
        if not hasattr(loop, 'max_epochs'):  # an iteration-based loop counts in iterations already
            return
        for warning in self.warnings(runner, len(runner.train_dataloader), loop.max_epochs):
            print_log(warning, logger='current', level=logging.WARNING)

    @staticmethod
    def warnings(runner, iterations_per_epoch, max_epochs):
        found = []
        for hook in runner.hooks:
            if isinstance(hook, CheckpointHook) and hook.by_epoch and hook.interval > 0:
                found.append(_every(hook.interval, iterations_per_epoch, max_epochs, 'a checkpoint',
                                    'default_hooks.checkpoint.interval'))
        val_interval = getattr(runner.train_loop, 'val_interval', None)
        if runner.val_loop is not None and val_interval:
            found.append(_every(val_interval, iterations_per_epoch, max_epochs, 'validation',
                                'train_cfg.val_interval'))
        schedulers = runner.param_schedulers
        schedulers = schedulers if isinstance(schedulers, list) else [s for group in (schedulers or {}).values()
                                                                      for s in group]
        for index, scheduler in enumerate(schedulers):
            milestones = sorted(getattr(scheduler, 'milestones', None) or ())
            late = [m for m in milestones if m >= max_epochs]
            if scheduler.by_epoch and late:
                found.append(f'param_scheduler {index}: lr milestones {late} (epochs) are not before the end of '
                             f'training (max_epochs {max_epochs}): that lr change never happens; set '
                             f'--cfg-options param_scheduler.{index}.milestones=[...] below {max_epochs}')
        return [warning for warning in found if warning]
