"""Official checkpoint layouts load strictly through torch's and mmengine's load paths; wrong files
get a clear error.

Checkpoints are made with the shared detweights generator from the official key lists, written in
every layout the official files come in, and loaded into the model built from our config file.
"""
import functools
import json
import pickle
import time
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS
from mmengine.runner import load_checkpoint, save_checkpoint

from conftest import CONFIG_DIR, load_detweights, reference_path
from higherhrnet.model_def import HigherHRNet
from higherhrnet.model_def.checkpoint import (CheckpointMismatchError, load_checkpoint_file, load_official_checkpoint,
                                  to_model_state_dict, to_official_state_dict)

HEAD_ROOTS = ('final_layers.', 'deconv_layers.')
# the tests copy hundreds of MB (memory bound): more threads only contend on a shared CPU
pytestmark = pytest.mark.usefixtures('one_torch_thread')


def config_path(variant):
    dataset, width, size = variant.split('_')
    return CONFIG_DIR / f'higherhrnet_{width}_{dataset}_{size}.py'


@functools.lru_cache(maxsize=1)
def official_and_model(variant):
    """(detweights state dict with official keys, model built from our config) of one variant;
    one variant at a time in memory (the tests using it are ordered by variant)."""
    keys = json.load(open(reference_path(f'keys_{variant}.json')))
    model = MODELS.build(Config.fromfile(config_path(variant)).model)
    return load_detweights().make_state_dict(keys), model


def half_precision(state_dict):
    """network_to_half: conv / deconv / head weights and head biases float16; BatchNorm tensors
    stay float32 and num_batches_tracked int64."""
    return OrderedDict(
        (k, v.half() if v.ndim >= 2 or (k.startswith('final_layers.') and k.endswith('.bias')) else v)
        for k, v in state_dict.items())


def prefixed(prefix, state_dict):
    return OrderedDict((prefix + k, v) for k, v in state_dict.items())


def our_keys(state_dict):
    return OrderedDict(
        (('head.' if k.startswith(HEAD_ROOTS) else 'backbone.') + k, v) for k, v in state_dict.items())


def mmpose_checkpoint(state_dict):
    """mmpose 0.x: backbone.*, keypoint_head.*, inside {meta, state_dict, optimizer}."""
    keys = (('keypoint_head.' if k.startswith(HEAD_ROOTS) else 'backbone.') + k for k in state_dict)
    return {'meta': {'mmpose_version': '0.29.0', 'epoch': 300},
            'state_dict': OrderedDict(zip(keys, state_dict.values())), 'optimizer': {}}


def training_checkpoint(state_dict):
    """tools/dist_train.py's checkpoint.pth.tar (the metric is a numpy scalar)."""
    return {
        'epoch': 140,
        'model': 'pose_higher_hrnet',
        'state_dict': prefixed('module.', state_dict),
        'best_state_dict': state_dict,
        'perf': np.float64(0.6713),
        'optimizer': {'state': {}, 'param_groups': [{'lr': 1e-3, 'betas': (0.9, 0.999), 'eps': 1e-8,
                                                     'weight_decay': 0, 'amsgrad': False, 'params': [0, 1, 2]}]},
    }


# layout name -> (function of the official state dict giving the file content, whether values
# are stored in half precision)
LAYOUTS = {
    'bare': (lambda sd: sd, False),
    'fp16': (lambda sd: prefixed('1.', half_precision(sd)), True),
    'module': (lambda sd: prefixed('module.', sd), False),
    'module_fp16': (lambda sd: prefixed('module.1.', half_precision(sd)), True),
    'wrapped_state_dict': (lambda sd: {'state_dict': sd}, False),
    'wrapped_model': (lambda sd: {'model': prefixed('1.', half_precision(sd))}, True),
    'training': (training_checkpoint, False),
    'ours': (our_keys, False),
    'mmengine_saved': (lambda sd: {'meta': {'epoch': 3}, 'state_dict': our_keys(sd)}, False),
    'mmpose': (mmpose_checkpoint, False),
}
VARIANTS = ['coco_w32_512', 'coco_w32_640', 'coco_w48_640', 'crowdpose_w32_512', 'crowdpose_w32_640',
            'crowdpose_w48_640']
# every layout for one w32 and one w48 variant, the two layouts of the released files for the rest
FULL = ('coco_w32_512', 'crowdpose_w48_640')
CASES = [(v, layout) for v in VARIANTS for layout in (LAYOUTS if v in FULL else ('bare', 'fp16'))]


@pytest.fixture(scope='module', autouse=True)
def free_the_cached_variant():
    yield
    official_and_model.cache_clear()


def assert_holds(model, expected):
    got = to_official_state_dict(model)
    assert list(got) == list(expected)
    for key, value in expected.items():
        assert got[key].dtype == (torch.float32 if value.is_floating_point() else value.dtype), key
        assert torch.equal(got[key], value.to(got[key].dtype)), key


def clear(model):
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.zero_()


def test_load_official_checkpoint_takes_a_path_or_a_loaded_dict(tmp_path):
    official, model = official_and_model('coco_w32_512')
    path = tmp_path / 'pose_higher_hrnet_w32_512.pth'
    torch.save(official, path)
    for source in (path, str(path), official):
        clear(model)
        load_official_checkpoint(model, source)
        assert_holds(model, official)


def test_to_official_state_dict_round_trip():
    official, model = official_and_model('coco_w32_512')
    model.load_state_dict(official)
    back = to_official_state_dict(model)
    assert list(back) == list(official)
    assert all(torch.equal(back[k], official[k]) for k in official)
    assert list(to_model_state_dict(back)) == list(model.state_dict())
    assert list(to_official_state_dict(prefixed('1.', half_precision(official)))) == list(official)


@pytest.mark.parametrize('variant,layout', CASES)
def test_official_layout_loads_strictly_through_torch_and_mmengine(variant, layout, tmp_path):
    official, model = official_and_model(variant)
    make, half = LAYOUTS[layout]
    path = tmp_path / f'{variant}_{layout}.pth'
    if layout == 'mmengine_saved':
        save_checkpoint(make(official), str(path))
    else:
        torch.save(make(official), path)
    expected = half_precision(official) if half else official

    clear(model)
    model.load_state_dict(load_checkpoint_file(path), strict=True)
    assert_holds(model, expected)

    clear(model)
    load_checkpoint(model, str(path), map_location='cpu', strict=True)
    assert_holds(model, expected)


def tiny_model(num_joints=17, width=8):
    return HigherHRNet(backbone=dict(type='HRNet', width=width),
                       head=dict(type='HigherHRNetHead', in_channels=width, num_joints=num_joints))


def test_numpy_1_training_checkpoint_loads_with_weights_only(tmp_path):
    """Files written under numpy 1.x name the scalar constructor numpy.core.multiarray.scalar."""
    official = to_official_state_dict(tiny_model())
    path = tmp_path / 'checkpoint.pth.tar'
    torch.save(training_checkpoint(official), path)
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_STORED) as target:
        for info, data in entries:
            if info.filename.endswith('data.pkl'):
                assert b'numpy._core.multiarray' in data
                data = data.replace(b'numpy._core.multiarray', b'numpy.core.multiarray')
            target.writestr(info, data)
    checkpoint = load_checkpoint_file(path)
    assert checkpoint['perf'] == np.float64(0.6713)
    model = tiny_model()
    model.load_state_dict(checkpoint)
    assert_holds(model, official)


def test_pre_zip_torch_files_load(tmp_path):
    """Files written by torch < 1.6 (the official release era) use the legacy serialization."""
    official = to_official_state_dict(tiny_model())
    path = tmp_path / 'checkpoint.pth.tar'
    torch.save(training_checkpoint(official), path, _use_new_zipfile_serialization=False)
    model = tiny_model()
    model.load_state_dict(load_checkpoint_file(path))
    assert_holds(model, official)
    clear(model)
    load_checkpoint(model, str(path), map_location='cpu', strict=True)
    assert_holds(model, official)


class Gadget:
    def __reduce__(self):
        return (print, ('arbitrary code ran',))


def test_arbitrary_pickles_are_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'gadget': Gadget()}, path)
    with pytest.raises(pickle.UnpicklingError, match='print'):
        load_checkpoint_file(path)


def zip_bomb(path, unpacked_bytes=2**30):
    """A torch checkpoint (zip) whose storage entry is ``unpacked_bytes`` of zeros, deflated (at the
    fastest level: a 200th, ~5 MB) so that torch.load would allocate and inflate all of it."""
    torch.save({'weight': torch.zeros(4)}, path)
    with zipfile.ZipFile(path) as small:
        entries = [(entry.filename, small.read(entry)) for entry in small.infolist()]
    chunk = bytes(1 << 24)
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for name, data in entries:
            if name.endswith('/data/0'):
                with bomb.open(name, 'w', force_zip64=True) as storage:
                    for _ in range(unpacked_bytes // len(chunk)):
                        storage.write(chunk)
            else:
                bomb.writestr(name, data)
    return path


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    path = zip_bomb(tmp_path / 'bomb.pth')
    assert path.stat().st_size < 8 * 2**20
    started = time.monotonic()
    with pytest.raises(ValueError, match='unpacks to 1024 MiB, more than any HigherHRNet checkpoint'):
        load_checkpoint_file(path)
    assert time.monotonic() - started < 5  # the zip's directory is read, nothing is inflated


def test_missing_unexpected_and_misshaped_keys_are_named():
    model = tiny_model()
    official = to_official_state_dict(model)
    del official['stage4.2.fuse_layers.0.3.0.weight']
    official['stage4.2.fuse_layers.1.0.0.weight'] = torch.zeros(1)
    official['conv1.weight'] = torch.zeros(64, 3, 5, 5)
    with pytest.raises(CheckpointMismatchError) as error:
        model.load_state_dict(official)
    message = str(error.value)
    assert '1 missing keys: backbone.stage4.2.fuse_layers.0.3.0.weight' in message
    assert '1 unexpected keys: backbone.stage4.2.fuse_layers.1.0.0.weight' in message
    assert '1 mis-shaped keys: backbone.conv1.weight (checkpoint [64, 3, 5, 5], model [64, 3, 3, 3])' in message
    assert 'these weights' not in message  # the shapes reveal nothing new


def test_long_key_lists_are_shortened():
    with pytest.raises(CheckpointMismatchError, match=r'1810 missing keys: backbone\.conv1\.weight, .*\(1802 more\)'):
        tiny_model().load_state_dict({'fc.weight': torch.zeros(3)})


def test_weights_of_another_variant_name_the_config_that_fits():
    crowdpose_w48 = to_official_state_dict(tiny_model(num_joints=14, width=48))
    with pytest.raises(CheckpointMismatchError, match=r'these weights are width 48 with 14 joints: '
                                                      r'use higherhrnet_w48_crowdpose_640\.py$'):
        tiny_model().load_state_dict(crowdpose_w48)

    coco_w32 = to_official_state_dict(tiny_model(width=32))
    with pytest.raises(CheckpointMismatchError) as error:
        tiny_model(num_joints=14).load_state_dict(coco_w32)
    assert ('these weights are width 32 with 17 joints: use higherhrnet_w32_coco_512.py or '
            'higherhrnet_w32_coco_640.py') in str(error.value)

    with pytest.raises(CheckpointMismatchError, match='no shipped config has them: build HigherHRNet with '
                                                      'backbone.width=16, head.in_channels=16, head.num_joints=17'):
        tiny_model().load_state_dict(to_official_state_dict(tiny_model(width=16)))


def test_mmengine_load_names_the_mismatch_first(tmp_path):
    path = tmp_path / 'w16_crowdpose.pth'
    torch.save(to_official_state_dict(tiny_model(num_joints=14, width=16)), path)
    with pytest.raises(RuntimeError) as error:
        load_checkpoint(tiny_model(), str(path), map_location='cpu', strict=True)
    message = str(error.value)
    assert message.index('these weights are width 16 with 14 joints') < message.index('size mismatch')


def test_non_strict_loads_keep_torch_semantics():
    model = tiny_model()
    official = to_official_state_dict(model)
    del official['final_layers.1.bias']
    result = model.load_state_dict(prefixed('1.', official), strict=False)
    assert result.missing_keys == ['head.final_layers.1.bias']
    assert result.unexpected_keys == []


@pytest.mark.parametrize('checkpoint', [[1, 2], {'epoch': 3, 'model': 'pose_higher_hrnet'}, {}],
                         ids=['list', 'no_state_dict', 'empty'])
def test_a_file_without_a_state_dict_is_refused(checkpoint, tmp_path):
    path = tmp_path / 'x.pth'
    torch.save(checkpoint, path)
    with pytest.raises(ValueError, match='not a HigherHRNet checkpoint|not a state dict'):
        tiny_model().load_state_dict(load_checkpoint_file(path))
