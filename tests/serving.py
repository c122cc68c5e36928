"""A real TorchServe for tests: archive a config and checkpoint, serve it on free ports in a temp
folder, wait until the model answers, stop it and check that no process is left.

    with running_torchserve(tmp_path, config, checkpoint, batch_size=8) as server:
        requests.put(f'{server.inference}/predictions/{server.model_name}', data=jpeg_bytes)

``server`` is a ``handler.server.Endpoints`` (inference, management, metrics URLs, model_name).
"""
import contextlib
from pathlib import Path

import psutil
import torch

from conftest import CONFIG_DIR, load_detweights
from higherhrnet.handler.archive import build_archive
from higherhrnet.handler.server import local_torchserve

MODEL_NAME = 'higherhrnet'
# Small enough for a width-8 network to answer in a second or two on a shared CPU.
TINY_INPUT_SIZE = 128


def write_tiny_model(folder, base_config='higherhrnet_w32_coco_512', input_size=TINY_INPUT_SIZE):
    """A width-8 config deriving from a registry config by ``_base_``, and a detweights checkpoint in
    the official bare-key layout; returns (config path, checkpoint path)."""
    from mmengine.config import Config
    from mmengine.registry import MODELS

    from higherhrnet.model_def.checkpoint import to_official_state_dict

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / f'tiny_w8_{base_config}.py'
    config.write_text(f'_base_ = [{str(CONFIG_DIR / (base_config + ".py"))!r}]\n'
                      'model = dict(backbone=dict(width=8), head=dict(in_channels=8), '
                      f'test_cfg=dict(input_size={input_size}))\n')
    model = MODELS.build(Config.fromfile(str(config)).model)
    keys = [[key, list(value.shape)] for key, value in to_official_state_dict(model).items()]
    checkpoint = folder / f'tiny_w8_{base_config}.pth'
    torch.save(load_detweights().make_state_dict(keys), checkpoint)
    return config, checkpoint


@contextlib.contextmanager
def running_torchserve(tmp_path, config_path, checkpoint_path, batch_size=8, max_batch_delay_ms=1000,
                       workers=1, timeout_s=300, **archive_options):
    """Archive ``config_path`` + ``checkpoint_path`` and serve them; yields the ``Endpoints``.
    ``archive_options``: more ``build_archive`` settings (e.g. ``max_image_pixels``).

    On exit TorchServe is stopped and the test fails if any of its processes is still alive.
    Workers use one CPU thread: a tiny network is many small operations, which several threads
    per process on a shared machine only slow down.
    """
    model_store = Path(tmp_path) / 'model_store'
    build_archive(config_path, checkpoint_path, model_store, model_name=MODEL_NAME,
                  batch_size=batch_size, max_batch_delay_ms=max_batch_delay_ms, workers=workers,
                  device='cpu', **archive_options)
    processes = []
    with local_torchserve(model_store, Path(tmp_path) / 'run', MODEL_NAME,
                          environment={'OMP_NUM_THREADS': '1'}, timeout_s=timeout_s) as server:
        processes = server.processes()
        yield server
    left = [p.pid for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, f'processes left after stopping TorchServe: {left}'
