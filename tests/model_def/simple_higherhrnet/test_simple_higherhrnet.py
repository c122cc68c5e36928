"""The simple-HigherHRNet drop-in: its constructor, attributes and documented usage, official people."""
import inspect
import json
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import MODELS

from conftest import load_detweights, reference_path, torch_on_one_thread
from higherhrnet.model_def import PoseEstimator, SimpleHigherHRNet
from higherhrnet.model_def.checkpoint import to_official_state_dict
from higherhrnet.model_def.simple_higherhrnet.simple_higherhrnet import config_for, parse_device
from higherhrnet.model_def.inference.geometry import get_affine_transform, resize_align_multi_scale
from higherhrnet.model_def.untrained import UntrainedWeightsWarning, seeded_state_dict

# simple-HigherHRNet's SimpleHigherHRNet.__init__, argument by argument, with its defaults.
SIMPLE_HIGHERHRNET_SIGNATURE = [
    ('c', inspect.Parameter.empty), ('nof_joints', inspect.Parameter.empty),
    ('checkpoint_path', inspect.Parameter.empty), ('model_name', 'HigherHRNet'), ('resolution', 512),
    ('interpolation', cv2.INTER_LINEAR), ('return_heatmaps', False), ('return_bounding_boxes', False),
    ('filter_redundant_poses', True), ('max_nof_people', 30), ('max_batch_size', 32),
    ('device', torch.device('cpu')), ('enable_tensorrt', False),
]


@pytest.fixture(autouse=True)
def one_thread_for_tiny_networks(request):
    """Tiny networks on one torch thread (several times faster on a loaded machine). The official-
    weights test keeps the default threads: the thread count changes oneDNN's summation order, and
    with it two near-tied joints of that golden image."""
    if request.node.name == 'test_official_weights_give_the_official_people':
        yield
        return
    with torch_on_one_thread():
        yield


def _tiny_state_dict():
    model = MODELS.build(config_for(8, 17, 256).model)
    keys = [[key, list(value.shape)] for key, value in to_official_state_dict(model).items()]
    return load_detweights().make_state_dict(keys)


@pytest.fixture(scope='module')
def tiny_checkpoint(tmp_path_factory):
    """Official-layout detweights checkpoint of a width-8 COCO model, FP16-style '1.' keys."""
    path = tmp_path_factory.mktemp('tiny') / 'tiny.pth.tar'
    torch.save({'1.' + key: value for key, value in _tiny_state_dict().items()}, path)
    return path


@pytest.fixture(scope='module')
def blind_checkpoint(tmp_path_factory):
    """The tiny network with heatmaps of -1 everywhere: it sees nobody, in any image."""
    state_dict = _tiny_state_dict()
    for layer in ('final_layers.0', 'final_layers.1'):
        state_dict[f'{layer}.weight'].zero_()
        state_dict[f'{layer}.bias'].fill_(-1.0)
    path = tmp_path_factory.mktemp('blind') / 'blind.pth'
    torch.save(state_dict, path)
    return path


@pytest.fixture(scope='module')
def images():
    rng = np.random.RandomState(3)
    return np.stack([rng.randint(0, 256, size=(150, 200, 3), dtype=np.uint8) for _ in range(2)])


@pytest.fixture(scope='module')
def simple(tiny_checkpoint):
    return SimpleHigherHRNet(8, 17, tiny_checkpoint, resolution=256)


def test_constructor_is_simple_higherhrnets():
    parameters = inspect.signature(SimpleHigherHRNet).parameters
    assert [(name, p.default) for name, p in parameters.items()] == SIMPLE_HIGHERHRNET_SIGNATURE


def test_attributes_are_simple_higherhrnets(simple, tiny_checkpoint):
    assert (simple.c, simple.nof_joints, simple.checkpoint_path, simple.model_name, simple.resolution) == \
        (8, 17, tiny_checkpoint, 'HigherHRNet', 256)
    assert (simple.interpolation, simple.return_heatmaps, simple.return_bounding_boxes,
            simple.filter_redundant_poses, simple.max_nof_people, simple.max_batch_size,
            simple.enable_tensorrt, simple.joint_set) == (cv2.INTER_LINEAR, False, False, True, 30, 32, False, 'coco')
    assert isinstance(simple.device, torch.device) and simple.device == torch.device('cpu')
    assert isinstance(simple.model, torch.nn.Module) and not simple.model.training
    parser = simple.output_parser
    assert (parser.num_joints, parser.joint_set, parser.max_num_people, parser.detection_threshold,
            parser.tag_threshold, parser.use_detection_val, parser.ignore_too_much, parser.tag_per_joint) == \
        (17, 'coco', 30, 0.1, 1.0, True, False, True)


def test_transform_is_totensor_normalize_as_the_pipeline_does_it(simple, images):
    # the pipeline's network input = transform(RGB of the image warped with the chosen interpolation)
    expected, _, _ = simple.estimator._network_inputs([images[0]], simple.estimator.test_cfg, 1,
                                                       torch.device('cpu'), cv2.INTER_CUBIC)
    warped, center, scale = resize_align_multi_scale(images[0], 256, 1, 1, cv2.INTER_CUBIC)
    size = warped.shape[1::-1]
    np.testing.assert_array_equal(warped, cv2.warpAffine(images[0], get_affine_transform(center, scale, size),
                                                         size, flags=cv2.INTER_CUBIC))
    actual = simple.transform(cv2.cvtColor(warped, cv2.COLOR_BGR2RGB))
    assert actual.dtype == torch.float32 and actual.shape == expected.shape[1:]
    torch.testing.assert_close(actual, expected[0], rtol=0, atol=0)


def test_documented_usage(simple, images, tmp_path):
    """simple-HigherHRNet's README and predict docstring: one image, a stack, heatmaps and boxes."""
    cv2.imwrite(str(tmp_path / 'image.png'), images[0])
    image = cv2.imread(str(tmp_path / 'image.png'), cv2.IMREAD_COLOR)
    joints = simple.predict(image)
    assert isinstance(joints, np.ndarray) and joints.dtype == np.float32
    assert joints.ndim == 3 and joints.shape[1:] == (17, 3) and len(joints) > 0
    stack = simple.predict(images)
    assert isinstance(stack, list) and len(stack) == 2
    np.testing.assert_array_equal(stack[0], joints)

    heatmap_shape = (17, 256, 384)  # the network input size: short side 256, long side to 64
    for return_heatmaps, return_bounding_boxes in [(True, False), (False, True), (True, True)]:
        simple.return_heatmaps, simple.return_bounding_boxes = return_heatmaps, return_bounding_boxes
        try:
            single, batch = simple.predict(image), simple.predict(images)
        finally:
            simple.return_heatmaps = simple.return_bounding_boxes = False
        assert isinstance(single, list) and isinstance(batch, list)
        assert len(single) == len(batch) == 1 + return_heatmaps + return_bounding_boxes
        np.testing.assert_array_equal(single[-1], joints)
        np.testing.assert_array_equal(batch[-1][0], joints)
        if return_heatmaps:
            heatmaps, batch_heatmaps = single[0], batch[0]
            assert isinstance(heatmaps, torch.Tensor) and heatmaps.dtype == torch.float32
            assert heatmaps.shape == heatmap_shape and heatmaps.device == simple.device
            assert isinstance(batch_heatmaps, torch.Tensor) and batch_heatmaps.shape == (2, *heatmap_shape)
            torch.testing.assert_close(batch_heatmaps[0].cpu(), heatmaps.cpu(), rtol=0, atol=0)
        if return_bounding_boxes:
            boxes, batch_boxes = single[-2], batch[-2]
            assert isinstance(boxes, np.ndarray) and boxes.dtype == np.float32 and boxes.shape == (len(joints), 4)
            assert isinstance(batch_boxes, list) and len(batch_boxes) == 2
            np.testing.assert_array_equal(batch_boxes[0], boxes)
            # (x1, y1, x2, y2) around the found joints, which are (y, x, confidence)
            found = joints[0][joints[0][:, 2] > 0]
            np.testing.assert_allclose(boxes[0], [found[:, 1].min(), found[:, 0].min(),
                                                  found[:, 1].max(), found[:, 0].max()])


def test_an_empty_scene_gives_no_people(blind_checkpoint):
    blind = SimpleHigherHRNet(8, 17, blind_checkpoint, resolution=256, return_heatmaps=True,
                              return_bounding_boxes=True)
    blank = np.full((120, 160, 3), 255, dtype=np.uint8)
    heatmaps, boxes, joints = blind.predict(blank)
    assert heatmaps.shape == (17, 256, 384) and float(heatmaps.max()) == pytest.approx(-1)
    assert boxes.shape == (0, 4) and boxes.dtype == np.float32
    assert joints.shape == (0, 17, 3) and joints.dtype == np.float32
    blind.return_heatmaps = blind.return_bounding_boxes = False
    assert [j.shape for j in blind.predict(np.stack([blank, blank]))] == [(0, 17, 3), (0, 17, 3)]


def test_joints_and_heatmaps_are_the_estimators_in_y_x_order(tiny_checkpoint, images):
    simple = SimpleHigherHRNet(8, 17, tiny_checkpoint, resolution=256, filter_redundant_poses=False,
                               return_heatmaps=True)
    heatmaps, joints = simple.predict(images[0])
    expected = PoseEstimator(simple.model, flip_test=False, return_heatmaps=True).predict(images[0])
    assert joints.shape == expected['keypoints'].shape
    np.testing.assert_array_equal(joints, expected['keypoints'][..., [1, 0, 2]])
    np.testing.assert_array_equal(heatmaps.numpy(), expected['heatmaps'])


def test_every_interpolation_warpaffine_accepts_is_used(tiny_checkpoint, images):
    simple = SimpleHigherHRNet(8, 17, tiny_checkpoint, resolution=256, interpolation=cv2.INTER_NEAREST,
                               return_heatmaps=True)
    nearest, _ = simple.predict(images[0])
    for interpolation in (cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_AREA, cv2.INTER_LANCZOS4):
        simple.interpolation = interpolation
        heatmaps, _ = simple.predict(images[0])
        assert heatmaps.shape == nearest.shape and not torch.equal(heatmaps, nearest)
    for bad in (cv2.INTER_LINEAR_EXACT, cv2.INTER_MAX, cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR, 1.5, 'linear'):
        with pytest.raises(ValueError, match='interpolation') as error:
            SimpleHigherHRNet(8, 17, tiny_checkpoint, resolution=256, interpolation=bad)
        assert '\n' not in str(error.value)


def test_output_parser_settings_change_the_people(tiny_checkpoint, images):
    simple = SimpleHigherHRNet(8, 17, tiny_checkpoint, resolution=256)
    assert len(simple.predict(images[0])) > 0
    simple.output_parser.detection_threshold = 1e9
    assert simple.predict(images[0]).shape == (0, 17, 3)


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


def test_no_checkpoint_means_the_seeded_untrained_weights_and_a_warning():
    with pytest.warns(UntrainedWeightsWarning, match='untrained weights') as caught:
        simple = SimpleHigherHRNet(8, 17, None, resolution=256)
    assert caught[0].filename == __file__
    state_dict = to_official_state_dict(simple.model)
    expected = seeded_state_dict(state_dict)
    assert all(torch.equal(state_dict[key], value) for key, value in expected.items())


def test_config_choice():
    assert config_for(32, 17, 640).filename.endswith('higherhrnet_w32_coco_640.py')
    assert config_for(48, 14, 512).filename.endswith('higherhrnet_w48_crowdpose_640.py')
    assert config_for(48, 14, 512).model.test_cfg.input_size == 512
    assert config_for(32, 17, 500).model.test_cfg.input_size == 500  # the resize rounds it up to 512
    # a keypoint set of one's own: the COCO W32 config with that many joints, generic names without a meta
    generic = config_for(32, 15, 512)
    assert generic.model.head.num_joints == 15 and generic.model.metainfo is None
    assert generic.model.dataset_meta.keypoint_names[14] == 'joint_14'
    with pytest.raises(ValueError, match='nof_joints'):
        config_for(32, 0, 512)
    with pytest.raises(ValueError, match='resolution'):
        config_for(32, 17, 0)


def test_device_forms():
    assert parse_device(torch.device('cpu')) == (torch.device('cpu'), ['cpu'])
    assert parse_device('cuda:1,2') == (torch.device('cuda:1'), ['cuda:1', 'cuda:2'])
    assert parse_device('cuda')[0] == torch.device('cuda')
    with pytest.raises(ValueError, match='device'):
        parse_device('gpu')


def test_tensorrt_engine_is_taken_as_checkpoint_path(tiny_checkpoint, tmp_path, monkeypatch):
    engine = tmp_path / 'higherhrnet.engine'
    engine.write_bytes(b'not built here')
    with pytest.raises(ValueError, match='enable_tensorrt=True'):
        SimpleHigherHRNet(8, 17, engine)
    with pytest.raises(ValueError, match='NVIDIA GPU'):
        SimpleHigherHRNet(8, 17, engine, enable_tensorrt=True)
    monkeypatch.setitem(sys.modules, 'tensorrt', None)  # import tensorrt fails, as where it is absent
    with pytest.raises(ImportError, match='tensorrt.*higherhrnet export --format tensorrt'):
        SimpleHigherHRNet(8, 17, engine, device=torch.device('cuda:0'), enable_tensorrt=True)


def test_bad_arguments_are_refused(tiny_checkpoint, simple):
    with pytest.raises(ValueError, match='model_name'):
        SimpleHigherHRNet(8, 17, tiny_checkpoint, model_name='HRNet')
    with pytest.raises(ValueError, match=r'\(N, H, W, 3\)'):
        simple.predict(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match='N = 0'):
        simple.predict(np.zeros((0, 4, 4, 3), np.uint8))
