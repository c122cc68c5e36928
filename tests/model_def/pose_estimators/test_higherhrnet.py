"""HigherHRNet model: equal to the official network on the golden, the mmengine modes (tensor, loss,
predict), input checks. The initialisation and the training-step goldens: test_train_step.py."""
import json
import logging
import uuid

import numpy as np
import pytest
import torch
from mmengine.model import BaseModel

from mmengine.config import Config
from mmengine.logging import MMLogger
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


# --- initialisation and pretrained weights -------------------------------------------------------------

def test_default_initialisation_is_the_official_one():
    model = tiny(num_joints=5)
    model.init_weights()
    convs = [m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert any(isinstance(m, torch.nn.ConvTranspose2d) for m in convs)
    weights = torch.cat([m.weight.detach().flatten() for m in convs])
    assert abs(weights.std().item() - 0.001) < 0.00005 and abs(weights.mean().item()) < 0.00005
    # only the final layers have biases, set to 0
    assert [m.bias is not None for m in convs].count(True) == 2
    assert all(m.bias is None or not m.bias.any() for m in convs)
    for m in norms:
        assert (m.weight == 1).all() and (m.bias == 0).all()
        assert (m.running_mean == 0).all() and (m.running_var == 1).all()


def imagenet_hrnet_checkpoint(path, width):
    """A file in the layout of the official ImageNet HRNet checkpoints: the backbone's names, plus
    the classification parts (and the fuse rows of a multi-scale last module) HigherHRNet lacks."""
    state = {k: torch.randn(v.shape) if v.is_floating_point() else v for k, v in HRNet(width=width).state_dict().items()
             if 'num_batches_tracked' not in k}
    extra = {'incre_modules.0.0.conv1.weight': torch.randn(32, width, 1, 1),
             'downsamp_modules.0.0.weight': torch.randn(256, 128, 3, 3),
             'stage4.2.fuse_layers.1.0.0.weight': torch.randn(2 * width, width, 1, 1),
             'final_layer.0.weight': torch.randn(2048, 1024, 1, 1),
             'classifier.weight': torch.randn(1000, 2048), 'classifier.bias': torch.randn(1000)}
    torch.save({**state, **extra}, path)
    return state, sorted(extra)


class RecordedLog(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def mmengine_log():
    """The messages of mmengine's current logger (where init_weights and Pretrained write)."""
    logger = MMLogger.get_instance(f'higherhrnet-test-{uuid.uuid4().hex}')
    handler = RecordedLog()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def test_pretrained_imagenet_backbone_loads_and_the_classifier_is_listed_once(tmp_path, mmengine_log):
    path = tmp_path / 'hrnet_w8-imagenet.pth'
    state, classifier_keys = imagenet_hrnet_checkpoint(path, width=8)
    model = tiny(num_joints=5)
    model.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(path))
    model.init_weights()
    loaded = model.backbone.state_dict()
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key
    # the heads keep the official Normal(0, 0.001) initialisation
    assert model.head.final_layers[0].weight.abs().max() < 0.01
    unexpected = [m for m in mmengine_log if 'unexpected key' in m]
    assert len(unexpected) == 1 and all(key in unexpected[0] for key in classifier_keys)
    assert not any('missing keys' in m for m in mmengine_log)


@pytest.mark.parametrize('layout', ['official', 'ours', 'fp16'])
def test_crowdpose_fine_tuning_takes_the_backbone_of_a_coco_checkpoint(tmp_path, layout):
    """crowd_pose/w32_512_coco: the backbone from the COCO HigherHRNet file, the 14-joint heads new."""
    coco = tiny(num_joints=17)
    if layout == 'ours':
        checkpoint = coco.state_dict()
    elif layout == 'official':
        checkpoint = to_official_state_dict(coco)
    else:  # network_to_half: keys under '1.', float16 convolutions
        checkpoint = {'1.' + k: v.half() if v.is_floating_point() else v for k, v in to_official_state_dict(coco).items()}
    path = tmp_path / 'pose_higher_hrnet_w8_512.pth'
    torch.save(checkpoint, path)
    crowdpose = tiny(num_joints=14)
    crowdpose.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(path))
    crowdpose.init_weights()
    expected = coco.backbone.state_dict()
    for key, value in crowdpose.backbone.state_dict().items():
        reference = expected[key].half().float() if layout == 'fp16' and value.is_floating_point() else expected[key]
        assert torch.equal(value, reference), key
    assert crowdpose.head.final_layers[1].weight.shape[0] == 14
    assert crowdpose.head.final_layers[1].weight.abs().max() < 0.01  # new: Normal(0, 0.001)
