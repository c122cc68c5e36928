"""HigherHRNet model: equal to the official network on the golden, the mmengine modes, input checks."""
import json

import numpy as np
import pytest
import torch
from mmengine.model import BaseModel

from higherhrnet import registry
from conftest import load_detweights, reference_path
from higherhrnet.model_def import HigherHRNet
from higherhrnet.model_def.backbones import HRNet
from higherhrnet.model_def.heads import HigherHRNetHead


def tiny(width=8, num_joints=17, **kwargs):
    return HigherHRNet(backbone=dict(type='HRNet', width=width),
                       head=dict(type='HigherHRNetHead', in_channels=width, num_joints=num_joints), **kwargs)


def test_forward_equals_the_official_network():
    """Official model, same detweights, same input (forward_coco_w32_512.npz): max abs diff <= 1e-4
    on both outputs (measured: 0, the same float operations in the same order)."""
    keys = json.load(open(reference_path('keys_coco_w32_512.json')))
    golden = np.load(reference_path('forward_coco_w32_512.npz'))
    model = tiny(width=32)
    model.load_state_dict(load_detweights().make_state_dict(keys))
    with torch.no_grad():
        outputs = model.eval()(torch.from_numpy(golden['input']))
    assert len(outputs) == 2
    for i, output in enumerate(outputs):
        assert output.shape == golden[f'output{i}'].shape
        assert np.abs(output.numpy() - golden[f'output{i}']).max() <= 1e-4


def test_output_list_shapes():
    with torch.no_grad():
        out0, out1 = tiny(num_joints=14).eval()(torch.zeros(2, 3, 96, 64))
    assert out0.shape == (2, 28, 24, 16) and out1.shape == (2, 14, 48, 32)


def test_is_an_mmengine_model_with_the_contract_attributes():
    model = tiny(test_cfg=dict(flip_test=True), dataset_meta=dict(dataset_name='coco'))
    assert isinstance(model, BaseModel)
    assert model.num_joints == 17 and model.test_cfg == dict(flip_test=True)
    assert model.dataset_meta == dict(dataset_name='coco')
    assert tiny().test_cfg == {} and tiny().dataset_meta == {}
    assert registry.MODELS.get('HigherHRNet') is HigherHRNet


def test_parts_can_be_modules():
    model = HigherHRNet(backbone=HRNet(width=4), head=HigherHRNetHead(in_channels=4, num_joints=17))
    assert list(model.state_dict()) == list(tiny(width=4).state_dict())


def test_training_and_prediction_modes_point_elsewhere():
    model, inputs = tiny(), torch.zeros(1, 3, 32, 32)
    with pytest.raises(NotImplementedError, match='training is out of scope'):
        model(inputs, mode='loss')
    with pytest.raises(NotImplementedError, match='PoseEstimator'):
        model(inputs, mode='predict')
    with pytest.raises(ValueError, match='mode'):
        model(inputs, mode='features')


@pytest.mark.parametrize('inputs,error', [
    (torch.zeros(3, 64, 64), TypeError),
    (torch.zeros(1, 3, 64, 64, dtype=torch.uint8), TypeError),
    (np.zeros((1, 3, 64, 64), np.float32), TypeError),
    (torch.zeros(1, 3, 64, 80), ValueError),
    (torch.zeros(1, 1, 64, 64), ValueError),
], ids=['3d', 'uint8', 'numpy', 'not_multiple_of_32', 'one_channel'])
def test_bad_inputs_are_refused(inputs, error):
    with pytest.raises(error, match='inputs must be'):
        tiny()(inputs)


def test_unknown_part_type_is_named():
    with pytest.raises(KeyError, match='ResNet'):
        HigherHRNet(backbone=dict(type='ResNet'), head=dict(type='HigherHRNetHead', in_channels=8, num_joints=17))
