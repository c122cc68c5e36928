"""The simple-HigherHRNet drop-in: its constructor, its output convention, official people."""
import json

import numpy as np
import pytest
import torch
from mmengine.registry import MODELS

from conftest import load_detweights, reference_path
from higherhrnet.model_def import PoseEstimator, SimpleHigherHRNet
from higherhrnet.model_def.checkpoint import to_official_state_dict
from higherhrnet.model_def.simple_higherhrnet import config_for


@pytest.fixture(scope='module')
def tiny_checkpoint(tmp_path_factory):
    """Official-layout detweights checkpoint of a width-8 COCO model, FP16-style '1.' keys."""
    model = MODELS.build(config_for(8, 17, 256).model)
    keys = [[key, list(value.shape)] for key, value in to_official_state_dict(model).items()]
    state_dict = load_detweights().make_state_dict(keys)
    path = tmp_path_factory.mktemp('tiny') / 'tiny.pth.tar'
    torch.save({'1.' + key: value for key, value in state_dict.items()}, path)
    return path


@pytest.fixture(scope='module')
def images():
    rng = np.random.RandomState(3)
    return np.stack([rng.randint(0, 256, size=(150, 200, 3), dtype=np.uint8) for _ in range(2)])


def test_joints_are_the_estimator_people_in_y_x_order(tiny_checkpoint, images):
    simple = SimpleHigherHRNet(8, 17, tiny_checkpoint, resolution=256, filter_redundant_poses=False)
    estimator = PoseEstimator(simple.model, flip_test=False)
    joints = simple.predict(images[0])
    expected = estimator.predict(images[0])['keypoints']
    assert joints.dtype == np.float32 and joints.shape == expected.shape
    np.testing.assert_array_equal(joints[..., 0], expected[..., 1])
    np.testing.assert_array_equal(joints[..., 1], expected[..., 0])
    np.testing.assert_array_equal(joints[..., 2], expected[..., 2])


def test_stack_gives_a_list_and_extras_come_first(tiny_checkpoint, images):
    simple = SimpleHigherHRNet(8, 17, tiny_checkpoint, resolution=256, return_heatmaps=True,
                               return_bounding_boxes=True)
    heatmaps, boxes, joints = simple.predict(images)
    assert len(heatmaps) == len(boxes) == len(joints) == 2
    assert heatmaps[0].shape == (17, 256, 384)
    assert boxes[0].shape == (len(joints[0]), 4)
    single = simple.predict(images[1])
    assert len(single) == 3
    np.testing.assert_array_equal(single[2], joints[1])
    np.testing.assert_array_equal(single[1], boxes[1])


def test_redundant_poses_are_filtered_by_default(tiny_checkpoint, images):
    filtered = SimpleHigherHRNet(8, 17, tiny_checkpoint, resolution=256).predict(images[0])
    unfiltered = SimpleHigherHRNet(8, 17, tiny_checkpoint, resolution=256,
                                   filter_redundant_poses=False).predict(images[0])
    assert 0 < len(filtered) <= len(unfiltered)


def test_official_weights_give_the_official_people(tmp_path):
    golden = np.load(reference_path('pipeline_coco_w32_512_sq512.npz'))
    keys = json.loads(reference_path('keys_coco_w32_512.json').read_text())
    checkpoint = tmp_path / 'pose_higher_hrnet_w32_512.pth'
    torch.save(load_detweights().make_state_dict(keys), checkpoint)
    simple = SimpleHigherHRNet(32, 17, str(checkpoint), filter_redundant_poses=False)
    joints = simple.predict(np.ascontiguousarray(golden['sq512__image'][..., ::-1]))
    preds = golden['sq512__noflip_ss__final_preds']
    robust = golden['sq512__noflip_ss__robust_mask']
    assert joints.shape == (len(preds), 17, 3)
    np.testing.assert_allclose(joints[..., [1, 0]][robust], preds[..., :2][robust], rtol=0, atol=0.01)
    np.testing.assert_allclose(joints[..., 2][robust], preds[..., 2][robust], rtol=0, atol=1e-4)


def test_config_choice():
    assert config_for(32, 17, 640).filename.endswith('higherhrnet_w32_coco_640.py')
    assert config_for(48, 14, 512).filename.endswith('higherhrnet_w48_crowdpose_640.py')
    assert config_for(48, 14, 512).model.test_cfg.input_size == 512
    with pytest.raises(ValueError, match='MPII'):
        config_for(32, 15, 512)
    with pytest.raises(ValueError, match='multiple of 64'):
        config_for(32, 17, 500)


def test_unsupported_options_are_refused(tiny_checkpoint):
    with pytest.raises(ValueError, match='INTER_LINEAR'):
        SimpleHigherHRNet(8, 17, tiny_checkpoint, interpolation=2)
    with pytest.raises(NotImplementedError, match='TensorRT'):
        SimpleHigherHRNet(8, 17, tiny_checkpoint, enable_tensorrt=True)
    with pytest.raises(ValueError, match='model_name'):
        SimpleHigherHRNet(8, 17, tiny_checkpoint, model_name='HRNet')
