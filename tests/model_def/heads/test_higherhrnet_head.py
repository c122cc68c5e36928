"""HigherHRNet head: official keys, the concatenation order and the output shapes."""
import json

import pytest
import torch

from higherhrnet import registry
from conftest import reference_path
from higherhrnet.model_def.heads import HigherHRNetHead

HEAD_ROOTS = ('final_layers.', 'deconv_layers.')


@pytest.mark.parametrize('variant,width,joints', [('coco_w32_512', 32, 17), ('crowdpose_w48_640', 48, 14)])
def test_keys_shapes_and_order_are_the_official_ones(variant, width, joints):
    keys = json.load(open(reference_path(f'keys_{variant}.json')))
    ours = HigherHRNetHead(in_channels=width, num_joints=joints).state_dict()
    assert [(k, list(v.shape)) for k, v in ours.items()] == [(k, s) for k, s in keys if k.startswith(HEAD_ROOTS)]


def test_outputs_are_heatmaps_and_tags_at_a_quarter_then_heatmaps_at_half():
    head = HigherHRNetHead(in_channels=8, num_joints=17).eval()
    features = torch.rand(2, 8, 16, 24)
    with torch.no_grad():
        from_tuple = head((features,))
        from_tensor = head(features)
    assert [tuple(o.shape) for o in from_tuple] == [(2, 34, 16, 24), (2, 17, 32, 48)]
    assert all(torch.equal(a, b) for a, b in zip(from_tuple, from_tensor))


def test_deconvolution_input_is_features_first_then_the_first_output():
    head = HigherHRNetHead(in_channels=4, num_joints=3).eval()
    seen = []
    head.deconv_layers[0][0][0].register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
    features = torch.rand(1, 4, 8, 8)
    with torch.no_grad():
        out0, _ = head(features)
    assert torch.equal(seen[0][:, :4], features) and torch.equal(seen[0][:, 4:], out0)


@pytest.mark.parametrize('kernel', [4, 3, 2])
def test_every_official_deconvolution_kernel_doubles_the_resolution(kernel):
    head = HigherHRNetHead(in_channels=4, num_joints=2, deconv_kernel_size=kernel).eval()
    with torch.no_grad():
        assert head(torch.rand(1, 4, 6, 10))[1].shape == (1, 2, 12, 20)


def test_optional_settings():
    head = HigherHRNetHead(in_channels=4, num_joints=5, cat_output=False, tag_per_joint=False,
                           num_basic_blocks=1, deconv_channels=6)
    assert head.deconv_layers[0][0][0].in_channels == 4 and len(head.deconv_layers[0]) == 2
    with torch.no_grad():
        out0, out1 = head.eval()(torch.rand(1, 4, 8, 8))
    assert out0.shape == (1, 6, 8, 8) and out1.shape == (1, 5, 16, 16)


@pytest.mark.parametrize('kwargs', [dict(in_channels=0), dict(num_joints=17.0), dict(deconv_kernel_size=5),
                                    dict(final_conv_kernel=2), dict(with_ae_loss=(True,))])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        HigherHRNetHead(**{'in_channels': 4, 'num_joints': 17, **kwargs})


def test_registered_in_our_registry():
    assert registry.MODELS.get('HigherHRNetHead') is HigherHRNetHead
