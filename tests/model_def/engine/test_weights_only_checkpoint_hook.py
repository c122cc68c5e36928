"""WeightsOnlyCheckpointHook: a message hub survives torch.save / torch.load(weights_only=True)."""
import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from higherhrnet.model_def.engine import WeightsOnlyCheckpointHook


def test_message_hub_round_trips_through_a_weights_only_load(tmp_path):
    hub = MessageHub.get_instance('weights_only_hook_test')
    for loss in (0.5, 0.25, 0.125):
        hub.update_scalar('train/loss', loss, count=2)
    hub.update_info('eta', np.float64(12.5))
    hub.update_info('best_score', 0.75)
    checkpoint = {'meta': {'epoch': 1, 'iter': 3}, 'state_dict': {'w': torch.ones(2)}, 'message_hub': hub.state_dict()}
    path = tmp_path / 'checkpoint.pth'

    torch.save(checkpoint, path)
    with pytest.raises(Exception, match='HistoryBuffer'):  # what mmengine writes on its own
        torch.load(path, weights_only=True)

    hook = WeightsOnlyCheckpointHook()
    hook.before_save_checkpoint(None, checkpoint)
    torch.save(checkpoint, path)
    loaded = torch.load(path, weights_only=True)
    hook.after_load_checkpoint(None, loaded)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.data[0].tolist() == [0.5, 0.25, 0.125] and buffer.data[1].tolist() == [2, 2, 2]
    assert buffer.mean() == pytest.approx(0.875 / 6)  # the sum over the summed counts
    assert loaded['message_hub']['runtime_info']['eta'] == 12.5

    resumed = MessageHub.get_instance('weights_only_hook_resumed')
    resumed.load_state_dict(loaded['message_hub'])
    assert resumed.get_scalar('train/loss').current() == 0.125
