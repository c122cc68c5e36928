"""handler.archive: what the .mar holds, the missing-weights message, untrained archives."""
import zipfile

import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.registry import MODELS
from serving import write_tiny_model

from conftest import CONFIG_DIR
from higherhrnet.handler.archive import build_archive, main
from higherhrnet.model_def.checkpoint import load_official_checkpoint


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp('tiny'))


def archive_files(mar):
    with zipfile.ZipFile(mar) as archive:
        names = set(archive.namelist())
        settings = yaml.safe_load(archive.read('model-config.yaml'))
    return names, settings


def test_archive_holds_handler_packages_config_weights_and_settings(tmp_path, tiny_model):
    config = CONFIG_DIR / 'higherhrnet_w32_coco_512.py'
    mar = build_archive(config, tiny_model[1], tmp_path, batch_size=4, max_batch_delay_ms=20,
                        workers=1, device='cpu')
    assert mar == tmp_path / 'higherhrnet.mar'
    names, settings = archive_files(mar)
    # packages keep their installed layout under higherhrnet/; the config travels with its _base_ files
    assert {'higherhrnet_handler.py', 'higherhrnet/__init__.py', 'higherhrnet/handler/request.py',
            'higherhrnet/handler/image.py', 'higherhrnet/model_def/__init__.py',
            'higherhrnet/model_def/estimator.py', 'higherhrnet/registry/__init__.py',
            'higherhrnet/registry/configs/_base_/coco.py',
            'higherhrnet/registry/configs/higherhrnet_w32_coco_512.py', tiny_model[1].name,
            'MAR-INF/MANIFEST.json', 'model-config.yaml'} <= names
    assert not [name for name in names if '__pycache__' in name]
    assert settings['batchSize'] == 4 and settings['maxBatchDelay'] == 20
    assert settings['minWorkers'] == settings['maxWorkers'] == 1 and settings['deviceType'] == 'cpu'
    assert settings['handler']['config'] == 'higherhrnet/registry/configs/higherhrnet_w32_coco_512.py'
    # no top-level package of ours that could shadow a user's own 'registry' or 'handler'
    assert not [name for name in names if name.split('/')[0] in ('handler', 'model_def', 'registry')]
    assert settings['handler']['weights'] == tiny_model[1].name
    assert settings['handler']['untrained'] is False


def test_a_config_outside_the_repository_is_archived_flattened(tmp_path, tiny_model):
    names, settings = archive_files(build_archive(tiny_model[0], tiny_model[1], tmp_path))
    assert settings['handler']['config'] == f'configs/{tiny_model[0].name}' in names


def test_missing_weights_say_what_to_put_where(tmp_path, capsys):
    missing = tmp_path / 'weights' / 'pose_higher_hrnet_w32_512.pth'
    with pytest.raises(SystemExit) as exit_:
        main(['--config', str(CONFIG_DIR / 'higherhrnet_w32_coco_512.py'), '--weights', str(missing),
              '--export-path', str(tmp_path / 'store')])
    message = str(exit_.value.code)
    assert str(missing) in message
    assert 'https://github.com/HRNet/HigherHRNet-Human-Pose-Estimation' in message
    assert 'make weights' in message and 'WEIGHTS=untrained' in message
    assert not (tmp_path / 'store' / 'higherhrnet.mar').exists()


def test_untrained_archive_holds_loadable_initialised_weights(tmp_path, tiny_model):
    mar = build_archive(tiny_model[0], 'untrained', tmp_path / 'store')
    names, settings = archive_files(mar)
    assert settings['handler']['untrained'] is True
    weights = settings['handler']['weights']
    assert weights in names
    with zipfile.ZipFile(mar) as archive:
        archive.extract(weights, tmp_path)
    model = MODELS.build(Config.fromfile(str(tiny_model[0])).model)
    load_official_checkpoint(model, tmp_path / weights)  # strict: every official key present
    assert all(torch.isfinite(p).all() for p in model.parameters())
