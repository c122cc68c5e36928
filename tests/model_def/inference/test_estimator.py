"""PoseEstimator against the official pipeline goldens, and its batching, devices and input checks.

The golden comparison needs the full W32 network (about 20 network passes of a 512 image for the four
settings); everything else uses a width-8 model with detweights weights.
"""
import json

import numpy as np
import pytest
import torch

from conftest import CONFIG_DIR, load_detweights, reference_path
from inference_testdata import SETTINGS, build_tiny_model, synthetic_images
from higherhrnet.model_def import PoseEstimator
from higherhrnet.model_def.checkpoint import to_official_state_dict
from higherhrnet.model_def.inference.estimator import pose_bboxes, redundant_pose_mask
from higherhrnet.model_def.untrained import UntrainedWeightsWarning, untrained_state_dict



@pytest.fixture(scope='module')
def golden():
    return np.load(reference_path('pipeline_coco_w32_512_sq512.npz'))


@pytest.fixture(scope='module')
def w32(tmp_path_factory):
    detweights = load_detweights()
    keys = json.loads(reference_path('keys_coco_w32_512.json').read_text())
    checkpoint = tmp_path_factory.mktemp('w32') / 'pose_higher_hrnet_w32_512_detweights.pth'
    torch.save(detweights.make_state_dict(keys), checkpoint)
    return PoseEstimator.from_config(CONFIG_DIR / 'higherhrnet_w32_coco_512.py', checkpoint)


@pytest.fixture(scope='module')
def golden_results(w32, golden):
    image = np.ascontiguousarray(golden['sq512__image'][..., ::-1])  # the golden image is RGB
    return {name: w32.predict(image, return_heatmaps=True, **cfg) for name, cfg in SETTINGS.items()}


@pytest.fixture(scope='module')
def tiny():
    # a small input size keeps the width-8 runs cheap
    return PoseEstimator(build_tiny_model(), input_size=256)


def assert_same_results(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


# --- the official pipeline ---------------------------------------------------------------------------

@pytest.mark.parametrize('setting', list(SETTINGS))
def test_final_predictions_equal_the_official_ones(golden_results, golden, setting):
    result = golden_results[setting]
    prefix = f'sq512__{setting}__'
    preds, scores, robust = (golden[prefix + 'final_preds'], golden[prefix + 'final_scores'],
                             golden[prefix + 'robust_mask'])
    assert result['keypoints'].shape == (len(preds), 17, 3)
    assert result['keypoints'].dtype == np.float32 and result['scores'].dtype == np.float32
    # person order is part of the golden: compare person by person
    np.testing.assert_allclose(result['keypoints'][..., :2][robust], preds[..., :2][robust], rtol=0, atol=0.01)
    np.testing.assert_allclose(result['keypoints'][..., 2][robust], preds[..., 2][robust], rtol=0, atol=1e-4)
    np.testing.assert_allclose(result['scores'], scores, rtol=0, atol=1e-4)


@pytest.mark.parametrize('setting', list(SETTINGS))
def test_aggregated_maps_equal_the_official_ones(golden_results, golden, setting):
    result = golden_results[setting]
    prefix = f'sq512__{setting}__'
    heatmaps, tags = result['heatmaps'], result['tags']
    np.testing.assert_array_equal((1,) + heatmaps.shape, golden[prefix + 'final_heatmaps_shape'])
    np.testing.assert_array_equal((1,) + tags.shape, golden[prefix + 'tags_shape'])
    np.testing.assert_allclose(heatmaps[:, ::16, ::16], golden[prefix + 'final_heatmaps_sub16'], rtol=0, atol=1e-6)
    np.testing.assert_allclose(tags[:, ::16, ::16], golden[prefix + 'tags_sub16'], rtol=0, atol=1e-6)
    np.testing.assert_allclose(heatmaps.sum(axis=(1, 2), dtype=np.float64),
                               golden[prefix + 'final_heatmaps_chsum'], rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(tags.sum(axis=(1, 2), dtype=np.float64), golden[prefix + 'tags_chsum'],
                               rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize('setting', list(SETTINGS))
def test_network_inputs_equal_the_official_ones(w32, golden, setting):
    prefix = f'sq512__{setting}__'
    image = np.ascontiguousarray(golden['sq512__image'][..., ::-1])
    test_cfg = dict(w32.test_cfg, **SETTINGS[setting])
    for scale in SETTINGS[setting]['scale_factor']:
        inputs, centers, scales = w32._network_inputs([image], test_cfg, scale, torch.device('cpu'))
        key = f'{prefix}s{scale:g}_'
        np.testing.assert_array_equal(inputs.shape[2:], golden[key + 'resized_shape'][:2])
        np.testing.assert_array_equal(centers[0], golden[key + 'center'])
        np.testing.assert_array_equal(scales[0], golden[key + 'scale'])
        assert inputs.double().sum().item() == pytest.approx(float(golden[key + 'input_sum']), rel=1e-9)


def test_model_attributes_and_config_name(w32):
    assert w32.config_name == 'higherhrnet_w32_coco_512'
    assert w32.test_cfg['flip_test'] is True and w32.test_cfg['input_size'] == 512
    assert w32.dataset_meta['dataset_name'] == 'coco'
    assert w32.model.num_joints == 17


# --- batching and devices --------------------------------------------------------------------------

@pytest.mark.parametrize('max_batch_size', [1, 32])
def test_batch_equals_one_by_one(tiny, max_batch_size):
    images = synthetic_images()
    options = dict(flip_test=True, scale_factor=[1, 0.5], max_batch_size=max_batch_size, return_heatmaps=True)
    batch = tiny.predict(images, **options)
    assert len(batch) == len(images)
    for image, result in zip(images, batch):
        assert_same_results(result, tiny.predict(image, **options))


def test_cpu_network_results_are_independent_of_the_batch(tiny):
    # the reason the CPU path gives every input its own forward pass (see PoseEstimator._forward)
    images = synthetic_images()
    inputs = torch.cat([tiny._network_inputs([images[i]], tiny.test_cfg, 1, torch.device('cpu'))[0]
                        for i in (0, 2, 4)])
    with torch.inference_mode():
        together, _ = tiny._forward(tiny.model, inputs, False, 32)
        alone, _ = tiny._forward(tiny.model, inputs[1:2], False, 32)
    assert all(torch.equal(t[1:2], a) for t, a in zip(together, alone))


def test_several_cpu_devices_split_the_batches():
    model = build_tiny_model()
    single = PoseEstimator(model, input_size=256, flip_test=False)
    several = PoseEstimator(model, device=['cpu', 'cpu', 'cpu'], input_size=256, flip_test=False)
    assert len(several.replicas) == 3
    assert several.replicas[1] is not several.replicas[0]
    used = []
    for replica in several.replicas:
        replica.register_forward_hook(lambda module, args, out, used=used: used.append(id(module)))
    images = synthetic_images()
    results = several.predict(images, max_batch_size=1)
    assert len(set(used)) == 3  # every replica ran a share of the batches
    for image, result in zip(images, results):
        assert_same_results(result, single.predict(image))


def test_fp16_is_refused_on_the_cpu():
    with pytest.raises(ValueError, match='fp16=True needs CUDA'):
        PoseEstimator(build_tiny_model(), fp16=True)


# --- inputs and outputs ----------------------------------------------------------------------------

def test_without_a_checkpoint_the_seeded_untrained_weights_and_a_warning(tmp_path):
    """Never PyTorch's silent default initialisation: the CLI's seeded weights, and a warning."""
    config = tmp_path / 'tiny_w8.py'
    config.write_text(f'_base_ = [{str(CONFIG_DIR / "higherhrnet_w32_coco_512.py")!r}]\n'
                      'model = dict(backbone=dict(width=8), head=dict(in_channels=8))\n')
    with pytest.warns(UntrainedWeightsWarning, match='no checkpoint given: the network has untrained weights') as caught:
        estimator = PoseEstimator.from_config(config)
    assert caught[0].filename == __file__  # it names the caller's line
    state_dict = to_official_state_dict(estimator.model)
    for key, value in untrained_state_dict(config).items():
        assert torch.equal(state_dict[key], value), key


def test_result_layout_and_bboxes(tiny):
    image = synthetic_images()[0]
    result = tiny.predict(image, return_heatmaps=True)
    people = len(result['scores'])
    assert people > 0
    assert result['keypoints'].shape == (people, 17, 3) and result['bboxes'].shape == (people, 4)
    assert result['heatmaps'].shape == (17, 256, 384) and result['tags'].shape == (17, 256, 384, 2)
    np.testing.assert_array_equal(result['bboxes'], pose_bboxes(result['keypoints']))
    assert isinstance(tiny.predict([image]), list)


def test_zero_people(tiny):
    result = tiny.predict(synthetic_images()[1], detection_threshold=100.0)
    assert result['keypoints'].shape == (0, 17, 3)
    assert result['scores'].shape == (0,) and result['bboxes'].shape == (0, 4)


@pytest.mark.parametrize('shape', [(1, 1, 3), (3000, 4000, 3)])
def test_tiny_and_huge_images_give_people_inside_sensible_bounds(tiny, shape):
    image = np.full(shape, 127, dtype=np.uint8)
    image[::7] = 30
    result = tiny.predict(image, flip_test=False)
    keypoints = result['keypoints']
    assert np.isfinite(keypoints).all()
    height, width = shape[:2]
    found = keypoints[keypoints[..., 2] > 0]
    # the network input covers the image plus black padding around it: at most one image size away
    assert (found[:, 0] > -width).all() and (found[:, 0] < 2 * width).all()
    assert (found[:, 1] > -height).all() and (found[:, 1] < 2 * height).all()


@pytest.mark.parametrize('image, error, message', [
    (np.zeros((0, 10, 3), np.uint8), ValueError, 'empty image'),
    (np.zeros((10, 10), np.uint8), ValueError, 'H x W x 3'),
    (np.zeros((10, 10, 4), np.uint8), ValueError, 'H x W x 3'),
    (np.zeros((10, 10, 3), np.float32), TypeError, 'uint8'),
    ([[0, 0, 0]], TypeError, 'numpy array'),
    (np.zeros((1, 4000, 3), np.uint8), ValueError, 'too elongated'),
])
def test_bad_images_are_refused_clearly(tiny, image, error, message):
    with pytest.raises(error, match=message):
        tiny.predict([image])


def test_bad_options_are_refused_clearly(tiny):
    image = synthetic_images()[1]
    with pytest.raises(TypeError, match='unknown option'):
        tiny.predict(image, flip=True)
    with pytest.raises(ValueError, match='must contain 1'):
        tiny.predict(image, scale_factor=[0.5, 2])
    with pytest.raises(ValueError, match='max_batch_size'):
        tiny.predict(image, max_batch_size=0)


def test_redundant_pose_filter_keeps_the_first_of_near_duplicates(tiny):
    base = np.zeros((17, 3), np.float32)
    base[:, 0] = np.arange(17) * 10.0
    people = np.stack([base, base + [2.0, 2.0, 0.0], base + [4.0, 0.0, 0.0], base + [2.0, 50.0, 0.0]])
    # mean |dx|,|dy| to the first: 2 (dropped), 2 (dropped), 26 (kept)
    np.testing.assert_array_equal(redundant_pose_mask(people), [True, False, False, True])
    image = synthetic_images()[0]
    unfiltered = tiny.predict(image)
    filtered = tiny.predict(image, filter_redundant_poses=True)
    keep = redundant_pose_mask(unfiltered['keypoints'])
    np.testing.assert_array_equal(filtered['keypoints'], unfiltered['keypoints'][keep])
    np.testing.assert_array_equal(filtered['scores'], unfiltered['scores'][keep])


def test_bboxes_span_the_joints_with_a_positive_value():
    joints = np.array([[[10, 20, 0.5], [30, 5, 0.2], [-40, -40, 0.0]]], np.float32)
    np.testing.assert_array_equal(pose_bboxes(joints), [[10, 5, 30, 20]])
