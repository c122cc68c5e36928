"""Every config file builds through mmengine's root registry and holds the official settings."""
import json

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS

from conftest import CONFIG_DIR, reference_path
from higherhrnet.model_def import HigherHRNet

CONFIGS = sorted(CONFIG_DIR.glob('*.py'))
OFFICIAL_VARIANTS = ['higherhrnet_w32_coco_512', 'higherhrnet_w32_coco_640', 'higherhrnet_w48_coco_640',
                     'higherhrnet_w32_crowdpose_512', 'higherhrnet_w32_crowdpose_640', 'higherhrnet_w48_crowdpose_640']
# official TEST / DATASET settings -> our test_cfg names
TEST_KEYS = {'flip_test': 'FLIP_TEST', 'scale_factor': 'SCALE_FACTOR', 'project2image': 'PROJECT2IMAGE',
             'adjust': 'ADJUST', 'refine': 'REFINE', 'detection_threshold': 'DETECTION_THRESHOLD',
             'tag_threshold': 'TAG_THRESHOLD', 'use_detection_val': 'USE_DETECTION_VAL',
             'ignore_too_much': 'IGNORE_TOO_MUCH', 'nms_kernel': 'NMS_KERNEL', 'nms_padding': 'NMS_PADDING'}
DATASET_KEYS = {'max_num_people': 'MAX_NUM_PEOPLE', 'input_size': 'INPUT_SIZE'}
# the official grouping's joint visiting order (CrowdPose uses its first 14 entries)
COCO_JOINT_ORDER = [0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16]


def official_config(path):
    _, width, dataset, size = path.stem.split('_')
    return json.load(open(reference_path('model_configs.json')))[f'{dataset}_{width}_{size}']


def test_the_six_official_variants_have_a_config():
    assert [p.stem for p in CONFIGS] == sorted(OFFICIAL_VARIANTS)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_builds_through_the_root_registry_with_the_right_output_shapes(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports == dict(imports=['higherhrnet.registry', 'higherhrnet.model_def'], allow_failed_imports=False)
    model = MODELS.build(cfg.model)
    assert isinstance(model, HigherHRNet)
    k = model.num_joints
    with torch.no_grad():
        out0, out1 = model.eval()(torch.zeros(1, 3, 64, 96))
    assert out0.shape == (1, 2 * k, 16, 24) and out1.shape == (1, k, 32, 48)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_holds_the_official_settings(path):
    model_cfg = Config.fromfile(path).model
    official = official_config(path)
    assert model_cfg.backbone.width == model_cfg.head.in_channels == official['MODEL']['STAGE2']['NUM_CHANNELS'][0]
    assert model_cfg.head.num_joints == official['MODEL']['NUM_JOINTS']
    expected = {ours: official['TEST'][theirs] for ours, theirs in TEST_KEYS.items()}
    expected.update({ours: official['DATASET'][theirs] for ours, theirs in DATASET_KEYS.items()})
    assert model_cfg.test_cfg == expected


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_dataset_meta_is_consistent(path):
    model_cfg = Config.fromfile(path).model
    meta, k = model_cfg.dataset_meta, model_cfg.head.num_joints
    assert meta.dataset_name == path.stem.split('_')[2]
    names, flip = meta.keypoint_names, meta.flip_index
    assert len(names) == len(set(names)) == len(flip) == k
    assert sorted(flip) == list(range(k)) and all(flip[flip[i]] == i for i in range(k))
    for i, name in enumerate(names):  # left and right swap, the rest maps to itself
        mirrored = name.replace('left', 'RIGHT').replace('right', 'left').replace('RIGHT', 'right')
        assert names[flip[i]] == mirrored
    assert all(0 <= i < k and 0 <= j < k and i != j for i, j in meta.skeleton)
    assert meta.joint_order == COCO_JOINT_ORDER[:k]
