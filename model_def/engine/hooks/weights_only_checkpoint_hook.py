"""``WeightsOnlyCheckpointHook``: training checkpoints that ``torch.load(weights_only=True)`` reads."""
import numpy as np
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer

from higherhrnet.registry import HOOKS

# What a history buffer of the message hub becomes in a checkpoint.
_BUFFER_KEYS = frozenset(['log_history', 'count_history', 'max_length'])


def _plain(value):
    """numpy scalars and arrays as Python numbers and lists, inside dicts, lists and tuples."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return type(value)((key, _plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Keeps the checkpoints of a run loadable without unpickling code.

    mmengine stores the message hub's logged scalars as ``HistoryBuffer`` objects (numpy arrays, and
    their statistics methods pickled through ``getattr``), which ``torch.load(weights_only=True)``,
    PyTorch's default since 2.6, refuses: neither resuming nor the project's safe checkpoint reader
    could open the file. Before saving, the buffers become plain lists and numpy scalars Python
    numbers; after loading, the buffers are rebuilt, so resuming continues the logged history.
    """

    priority = 'VERY_LOW'  # after every hook that adds to the checkpoint

    def before_save_checkpoint(self, runner, checkpoint):
        message_hub = checkpoint.get('message_hub')
        if not message_hub:
            return
        scalars = {key: {'log_history': buffer._log_history, 'count_history': buffer._count_history,
                         'max_length': buffer.max_length} if isinstance(buffer, HistoryBuffer) else buffer
                   for key, buffer in message_hub['log_scalars'].items()}
        checkpoint['message_hub'] = _plain(dict(message_hub, log_scalars=scalars))

    def after_load_checkpoint(self, runner, checkpoint):
        message_hub = checkpoint.get('message_hub')
        if not message_hub:
            return
        message_hub['log_scalars'] = {
            key: HistoryBuffer(**value) if isinstance(value, dict) and set(value) == _BUFFER_KEYS else value
            for key, value in message_hub['log_scalars'].items()}
