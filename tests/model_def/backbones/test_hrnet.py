"""HRNet backbone: the official module structure (keys, shapes, order) and output shapes."""
import json

import pytest
import torch

from higherhrnet import registry
from conftest import reference_path
from higherhrnet.model_def.backbones import HRNet

HEAD_ROOTS = ('final_layers.', 'deconv_layers.')


def official_backbone_keys(variant):
    keys = json.load(open(reference_path(f'keys_{variant}.json')))
    return [(k, s) for k, s in keys if not k.startswith(HEAD_ROOTS)]


@pytest.mark.parametrize('variant,width', [('coco_w32_512', 32), ('coco_w48_640', 48)])
def test_keys_shapes_and_order_are_the_official_ones(variant, width):
    ours = HRNet(width=width).state_dict()
    assert [(k, list(v.shape)) for k, v in ours.items()] == official_backbone_keys(variant)


def test_key_names_do_not_depend_on_the_width():
    assert list(HRNet(width=4).state_dict()) == [k for k, _ in official_backbone_keys('coco_w32_512')]


def test_modules_without_weights_are_none_as_in_the_official_model():
    net = HRNet(width=4)
    assert net.transition1[0] is not None and net.transition2[0] is None and net.transition3[2] is None
    last = net.stage4[-1]
    assert not last.multi_scale_output and len(last.fuse_layers) == 1
    assert [entry is None for entry in last.fuse_layers[0]] == [True, False, False, False]
    assert all(unit.multi_scale_output for unit in list(net.stage2) + list(net.stage3) + list(net.stage4)[:-1])


def test_output_is_the_width_channel_map_at_a_quarter_resolution():
    with torch.no_grad():
        features = HRNet(width=8).eval()(torch.zeros(2, 3, 64, 96))
    assert [f.shape for f in features] == [(2, 8, 16, 24)]


def test_multi_scale_output_returns_every_branch():
    with torch.no_grad():
        features = HRNet(width=4, multi_scale_output=True).eval()(torch.zeros(1, 3, 64, 64))
    assert [tuple(f.shape) for f in features] == [(1, 4, 16, 16), (1, 8, 8, 8), (1, 16, 4, 4), (1, 32, 2, 2)]


def test_structure_arguments_change_the_network():
    net = HRNet(width=4, num_modules=(1, 1, 1), num_blocks=((2, 2), (1, 1, 1), (1, 1, 1, 1)))
    assert len(net.stage3) == 1 and len(net.stage2[0].branches[0]) == 2 and len(net.stage4[0].branches[3]) == 1


@pytest.mark.parametrize('kwargs', [dict(width=0), dict(width=8.0), dict(block='RESNEXT'),
                                    dict(num_modules=(1, 4))])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        HRNet(**kwargs)


def test_registered_in_our_registry():
    assert registry.MODELS.get('HRNet') is HRNet
    assert isinstance(registry.MODELS.build(dict(type='HRNet', width=4)), HRNet)


def test_a_missing_pretrained_file_names_where_it_is_published_and_the_way_without(tmp_path):
    missing = tmp_path / 'hrnet_w32-36af842e.pth'
    backbone = HRNet(width=8, init_cfg=dict(type='Pretrained', checkpoint=str(missing)))
    with pytest.raises(FileNotFoundError) as error:
        backbone.init_weights()
    message = str(error.value)
    assert '\n' not in message and message.startswith(f'{missing} can not be found')
    assert 'https://github.com/HRNet/HRNet-Image-Classification' in message and '--from-scratch' in message
