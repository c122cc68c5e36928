"""A width-8 HigherHRNet with deterministic weights and a few synthetic images: what the pipeline
tests of the estimator and of its network backends run on."""
import numpy as np
from mmengine.config import Config
from mmengine.registry import MODELS

from conftest import CONFIG_DIR, load_detweights
from higherhrnet.model_def.checkpoint import load_official_checkpoint, to_official_state_dict

# The four settings of the shared pipeline goldens (pipeline_coco_w32_512_sq512.npz, keys sq512__<name>__*).
SETTINGS = {
    'noflip_ss': dict(flip_test=False, scale_factor=[1]),
    'noflip_ms': dict(flip_test=False, scale_factor=[0.5, 1.0, 2.0]),
    'flip_ss': dict(flip_test=True, scale_factor=[1]),
    'flip_ms': dict(flip_test=True, scale_factor=[0.5, 1.0, 2.0]),
}


def build_tiny_model(config='higherhrnet_w32_coco_512'):
    """A width-8 HigherHRNet with deterministic (detweights) weights."""
    cfg = Config.fromfile(str(CONFIG_DIR / f'{config}.py'))
    cfg.model.backbone.width = 8
    cfg.model.head.in_channels = 8
    model = MODELS.build(cfg.model)
    keys = [[key, list(value.shape)] for key, value in to_official_state_dict(model).items()]
    load_official_checkpoint(model, load_detweights().make_state_dict(keys))
    return model


def synthetic_images():
    rng = np.random.RandomState(7)
    sizes = [(180, 240), (120, 100), (180, 240), (240, 180), (180, 240)]
    return [rng.randint(0, 256, size=(h, w, 3), dtype=np.uint8) for h, w in sizes]
