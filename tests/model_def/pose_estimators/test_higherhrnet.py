"""HigherHRNet model: equal to the official network on the golden, the mmengine modes (tensor, loss,
predict), input checks. The initialisation and the training-step goldens: test_train_step.py."""
import json

import numpy as np
import pytest
import torch
from mmengine.model import BaseModel

from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.structures import BaseDataElement

from higherhrnet import registry
from conftest import CONFIG_DIR, load_detweights, reference_path
from higherhrnet.model_def import HigherHRNet, PoseEstimator
from higherhrnet.model_def.checkpoint import to_official_state_dict
from higherhrnet.model_def.losses import HigherHRNetLoss
from higherhrnet.model_def.backbones import HRNet
from higherhrnet.model_def.heads import HigherHRNetHead


# many small operations: one thread is faster than two on a loaded 2-core machine
pytestmark = pytest.mark.usefixtures('one_torch_thread')

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


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match='mode'):
        tiny()(torch.zeros(1, 3, 32, 32), mode='features')


# --- mode='loss' --------------------------------------------------------------------------------------

def training_samples(batch=2, size=64, num_joints=17, max_people=3, seed=0):
    """Data samples as the data preprocessor hands them over in training: per output resolution
    heatmaps [K, R, R], 0/1 masks [R, R] and joint indices [max_people, K, 2]."""
    rng = np.random.RandomState(seed)
    samples = []
    for _ in range(batch):
        fields = dict(heatmaps=[], masks=[], joint_indices=[])
        for r in (size // 4, size // 2):
            fields['heatmaps'].append(torch.from_numpy(rng.random_sample((num_joints, r, r)).astype(np.float32)))
            fields['masks'].append(torch.from_numpy((rng.random_sample((r, r)) > 0.2).astype(np.float32)))
            joints = np.zeros((max_people, num_joints, 2), np.int64)
            joints[:2, :5, 0] = rng.randint(0, num_joints * r * r, size=(2, 5))
            joints[:2, :5, 1] = 1
            fields['joint_indices'].append(torch.from_numpy(joints))
        samples.append(BaseDataElement(**fields))
    return samples


def test_loss_mode_is_the_loss_module_on_the_stacked_targets():
    model, inputs, samples = tiny(num_joints=5), torch.rand(2, 3, 64, 64), training_samples(num_joints=5)
    losses = model(inputs, samples, mode='loss')
    assert list(losses) == ['loss_heatmap_0', 'loss_push', 'loss_pull', 'loss_heatmap_1']
    stacked = [[torch.stack([sample.get(field)[r] for sample in samples]) for r in (0, 1)]
               for field in ('heatmaps', 'masks', 'joint_indices')]
    expected = model.loss_module(model(inputs), *stacked)
    for key in expected:
        torch.testing.assert_close(losses[key], expected[key], rtol=0, atol=0)
        assert losses[key].requires_grad


def test_default_loss_is_the_official_one():
    loss = tiny().loss_module
    assert isinstance(loss, HigherHRNetLoss)
    assert (loss.heatmap_loss_factors, loss.with_ae_loss) == ((1.0, 1.0), (True, False))
    assert (loss.push_loss_factors, loss.pull_loss_factors, loss.ae_loss.loss_type) == (
        (0.001, 0.001), (0.001, 0.001), 'exp')
    custom = tiny(loss=dict(type='HigherHRNetLoss', ae_loss_type='max')).loss_module
    assert custom.ae_loss.loss_type == 'max'


def test_train_step_updates_the_weights_through_an_optim_wrapper():
    model = tiny(num_joints=5)
    wrapper = build_optim_wrapper(model, dict(optimizer=dict(type='Adam', lr=1e-3)))
    before = model.head.final_layers[1].weight.detach().clone()
    log_vars = model.train_step(dict(inputs=torch.rand(2, 3, 64, 64), data_samples=training_samples(num_joints=5)),
                                wrapper)
    assert set(log_vars) == {'loss', 'loss_heatmap_0', 'loss_push', 'loss_pull', 'loss_heatmap_1'}
    torch.testing.assert_close(log_vars['loss'], sum(log_vars[k] for k in list(log_vars)[1:]))
    assert not torch.equal(before, model.head.final_layers[1].weight)


def test_loss_mode_names_missing_targets():
    model, inputs = tiny(num_joints=5), torch.rand(2, 3, 64, 64)
    samples = training_samples(num_joints=5)
    del samples[1].masks
    with pytest.raises(KeyError, match="no 'masks'"):
        model(inputs, samples, mode='loss')
    with pytest.raises(ValueError, match='one data sample'):
        model(inputs, None, mode='loss')
    samples = training_samples(num_joints=5)
    samples[0].heatmaps = samples[0].heatmaps[:1]
    with pytest.raises(ValueError, match='2 heatmaps'):
        model(inputs, samples, mode='loss')


# --- mode='predict' -----------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def detweights_model():
    """A width-8 COCO HigherHRNet with deterministic weights and a 256 input size (cheap)."""
    cfg = Config.fromfile(str(CONFIG_DIR / 'higherhrnet_w32_coco_512.py'))
    cfg.model.backbone.width = cfg.model.head.in_channels = 8
    cfg.model.test_cfg.input_size = 256
    model = registry.MODELS.build(cfg.model)
    keys = [[key, list(value.shape)] for key, value in to_official_state_dict(model).items()]
    model.load_state_dict(load_detweights().make_state_dict(keys))
    return model.eval()


def test_predict_mode_finds_the_people_of_the_pose_estimator(detweights_model):
    """Through val_step, as Runner.val() and Runner.test() call it: the images arrive as uint8 RGB
    tensors and give exactly PoseEstimator.predict's people on the same (BGR) images."""
    rng = np.random.RandomState(3)
    bgr_images = [rng.randint(0, 256, size=shape, dtype=np.uint8) for shape in ((180, 240, 3), (130, 100, 3))]
    inputs = [torch.from_numpy(image[..., ::-1].copy()).permute(2, 0, 1) for image in bgr_images]
    samples = [BaseDataElement(metainfo=dict(img_id=i, ori_shape=image.shape[:2])) for i, image in
               enumerate(bgr_images)]
    predicted = detweights_model.val_step(dict(inputs=inputs, data_samples=samples))
    expected = PoseEstimator(detweights_model).predict(bgr_images)
    assert [sample.img_id for sample in predicted] == [0, 1]
    assert sum(len(result['scores']) for result in expected) > 0
    for sample, result in zip(predicted, expected):
        people = sample.pred_instances
        assert people.keypoints.dtype == np.float32 and people.keypoints.shape == result['keypoints'][..., :2].shape
        np.testing.assert_array_equal(people.keypoints, result['keypoints'][..., :2])
        np.testing.assert_array_equal(people.keypoint_scores, result['keypoints'][..., 2])
        np.testing.assert_array_equal(people.scores, result['scores'])
        np.testing.assert_array_equal(people.bboxes, result['bboxes'])


def test_predict_mode_keeps_training_mode_and_makes_samples(detweights_model):
    image = torch.zeros(3, 64, 64, dtype=torch.uint8)
    detweights_model.train()
    try:
        samples = detweights_model([image], mode='predict')
        assert detweights_model.training
    finally:
        detweights_model.eval()
    assert len(samples) == 1 and samples[0].pred_instances.keypoints.shape[1:] == (17, 2)


@pytest.mark.parametrize('image', [torch.zeros(64, 64, 3, dtype=torch.uint8), torch.zeros(3, 64, 64),
                                   np.zeros((64, 64, 3), np.uint8)], ids=['hwc', 'float', 'numpy'])
def test_predict_mode_refuses_other_images(detweights_model, image):
    with pytest.raises(TypeError, match='uint8 RGB tensor'):
        detweights_model([image], mode='predict')


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
