"""Every config file builds through mmengine's root registry and holds the official settings."""
import json

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS

from conftest import CONFIG_DIR, reference_path
from higherhrnet.model_def import HigherHRNet
from higherhrnet.model_def.keypoint_sets import parse_pose_metainfo

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
    cfg = Config.fromfile(path)
    model_cfg = cfg.model
    # one dataset-info file of the package describes the keypoint set of the model and of every dataset
    assert model_cfg.metainfo.from_file == f'configs/_base_/datasets/{path.stem.split("_")[2]}.py'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.metainfo == model_cfg.metainfo
    meta, k = parse_pose_metainfo(model_cfg.metainfo), model_cfg.head.num_joints
    assert meta['dataset_name'] == path.stem.split('_')[2] and meta['num_keypoints'] == k
    names, flip = meta['keypoint_names'], meta['flip_index']
    assert len(names) == len(set(names)) == len(flip) == k
    assert sorted(flip) == list(range(k)) and all(flip[flip[i]] == i for i in range(k))
    for i, name in enumerate(names):  # left and right swap, the rest maps to itself
        mirrored = name.replace('left', 'RIGHT').replace('right', 'left').replace('RIGHT', 'right')
        assert names[flip[i]] == mirrored
    assert all(0 <= i < k and 0 <= j < k and i != j for i, j in meta['skeleton'])
    assert meta['joint_order'] == list(COCO_JOINT_ORDER[:k])


# Official training settings per yaml (OFFICIAL_TRAINING.md section 0): images per GPU; the global
# batch of the official 4-GPU runs is 4x that.
IMAGES_PER_GPU = {'w32': 12, 'w48': 10}
TRAIN_FILES = {'coco': ('data/coco/', 'annotations/person_keypoints_train2017.json', 'images/train2017/'),
               'crowdpose': ('data/crowdpose/', 'json/crowdpose_trainval.json', 'images/')}
TEST_FILES = {'coco': ('data/coco/', 'annotations/person_keypoints_val2017.json', 'images/val2017/'),
              'crowdpose': ('data/crowdpose/', 'json/crowdpose_test.json', 'images/')}


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_holds_the_official_training_settings(path):
    cfg = Config.fromfile(path)
    official = official_config(path)
    _, width, dataset, _ = path.stem.split('_')
    # Adam, lr 1e-3, no weight decay; x0.1 at epochs 200 and 260 of 300
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-3, weight_decay=0.0)
    assert cfg.param_scheduler == [dict(type='MultiStepLR', by_epoch=True, milestones=[200, 260], gamma=0.1)]
    assert cfg.train_cfg.max_epochs == 300 and cfg.train_cfg.val_interval >= 1
    # FP16 with a dynamic loss scale exactly where the official yaml trains in FP16
    if official['FP16_ENABLED']:
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
        assert cfg.optim_wrapper.loss_scale == dict(init_scale=2.0 ** 32, growth_interval=1000)
    else:
        assert cfg.optim_wrapper.type == 'OptimWrapper'
    loader = cfg.train_dataloader
    assert loader.batch_size == IMAGES_PER_GPU[width] and loader.num_workers == 4
    assert cfg.auto_scale_lr.base_batch_size == 4 * IMAGES_PER_GPU[width]
    assert (loader.dataset.data_root, loader.dataset.ann_file, loader.dataset.data_prefix.img) == TRAIN_FILES[dataset]
    transforms = {t.type: t for t in loader.dataset.pipeline}
    assert list(transforms) == ['LoadImage', 'BottomUpRandomAffine', 'BottomUpRandomFlip',
                                'GenerateBottomUpTargets', 'PackBottomUpInputs']
    affine = transforms['BottomUpRandomAffine']
    assert affine.input_size == official['DATASET']['INPUT_SIZE'] == cfg.model.test_cfg.input_size
    assert affine.output_sizes == official['DATASET']['OUTPUT_SIZE']
    assert (affine.max_rotation, affine.min_scale, affine.max_scale, affine.scale_type, affine.max_translate) == (
        30, 0.75, 1.5, 'short', 40)
    assert transforms['BottomUpRandomFlip'].prob == 0.5
    targets = transforms['GenerateBottomUpTargets']
    assert (targets.sigma, targets.max_num_people) == (2, official['DATASET']['MAX_NUM_PEOPLE'])
    # validation and test: every image of COCO val2017 / CrowdPose test, scored by the dataset's metric
    for loader, evaluator in ((cfg.val_dataloader, cfg.val_evaluator), (cfg.test_dataloader, cfg.test_evaluator)):
        data_root, ann_file, images = TEST_FILES[dataset]
        assert (loader.dataset.data_root, loader.dataset.ann_file, loader.dataset.data_prefix.img) == (
            data_root, ann_file, images)
        assert loader.dataset.test_mode and not loader.sampler.shuffle
        assert evaluator == dict(type='higherhrnet.CocoKeypointAP', ann_file=data_root + ann_file, dataset=dataset)
    assert cfg.default_hooks.checkpoint.save_best == f'{dataset}/AP'
    assert cfg.load_from is None and cfg.resume is False


def test_crowdpose_fine_tuning_takes_the_backbone_of_the_coco_model(tmp_path):
    """The official _coco yaml: backbone from the COCO checkpoint (official bare keys), new 14-joint heads."""
    from serving import write_tiny_model

    _, coco_checkpoint = write_tiny_model(tmp_path, 'higherhrnet_w32_coco_512')
    finetune = CONFIG_DIR / 'finetune' / 'higherhrnet_w32_crowdpose_512_coco.py'
    cfg = Config.fromfile(finetune)
    assert cfg.model.backbone.init_cfg == dict(type='Pretrained', checkpoint='weights/pose_higher_hrnet_w32_512.pth')
    assert cfg.model.head.num_joints == 14 and cfg.train_dataloader.dataset.type == 'higherhrnet.BottomUpCrowdPoseDataset'
    cfg.model.backbone.update(width=8, init_cfg=dict(type='Pretrained', checkpoint=str(coco_checkpoint)))
    cfg.model.head.in_channels = 8
    model = MODELS.build(cfg.model)
    model.init_weights()
    coco = torch.load(coco_checkpoint, weights_only=True)
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, coco[key]), key
    assert model.head.final_layers[0].weight.shape[0] == 28  # 14 heatmaps + 14 tag maps, not from COCO
