"""model_def.untrained: the same seeded weights in every process, the caller's RNG left alone, people to find."""
import hashlib
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS

from conftest import CONFIG_DIR, torch_on_one_thread
from higherhrnet.handler.archive import _untrained_weights
from higherhrnet.model_def import PoseEstimator
from higherhrnet.model_def.checkpoint import load_official_checkpoint
from higherhrnet.model_def.untrained import untrained_state_dict

DIGEST = '''
import hashlib, sys, torch
from higherhrnet.model_def.untrained import untrained_state_dict
digest = hashlib.sha256()
for key, value in untrained_state_dict(sys.argv[1]).items():
    digest.update(key.encode() + value.numpy().tobytes())
print(digest.hexdigest())
'''


@pytest.fixture(scope='module')
def tiny_config(tmp_path_factory):
    config = tmp_path_factory.mktemp('untrained') / 'tiny_w8.py'
    config.write_text(f'_base_ = [{str(CONFIG_DIR / "higherhrnet_w32_coco_512.py")!r}]\n'
                      'model = dict(backbone=dict(width=8), head=dict(in_channels=8), '
                      'test_cfg=dict(input_size=128))\n')
    return config


def _digest(state_dict):
    digest = hashlib.sha256()
    for key, value in state_dict.items():
        digest.update(key.encode() + value.numpy().tobytes())
    return digest.hexdigest()


def test_the_same_weights_in_another_process_and_the_callers_rng_untouched(tiny_config):
    torch.manual_seed(123)
    state = torch.get_rng_state()
    weights = untrained_state_dict(tiny_config)
    assert torch.equal(torch.get_rng_state(), state)
    other_process = subprocess.run([sys.executable, '-c', DIGEST, str(tiny_config)], check=True,
                                   capture_output=True, text=True).stdout.strip()
    assert other_process == _digest(weights)
    assert _digest(untrained_state_dict(tiny_config, seed=1)) != _digest(weights)


def test_the_archive_saves_the_same_weights(tmp_path, tiny_config):
    _untrained_weights(tiny_config, tmp_path / 'weights.pth')
    saved = torch.load(tmp_path / 'weights.pth', weights_only=True)
    assert _digest(saved) == _digest(untrained_state_dict(tiny_config))


def test_they_load_strictly_and_find_people(tiny_config):
    model = MODELS.build(Config.fromfile(str(tiny_config)).model)
    load_official_checkpoint(model, untrained_state_dict(tiny_config))  # strict: every key, every shape
    image = np.random.RandomState(0).randint(0, 256, (96, 128, 3), dtype=np.uint8)
    with torch_on_one_thread():
        result = PoseEstimator(model).predict(image, flip_test=False)
    # Heatmap peaks above the detection threshold: a smoke test with these weights reaches the grouping.
    assert len(result['scores']) > 0
