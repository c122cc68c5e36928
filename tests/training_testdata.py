"""Tiny training runs for the tests: a width-8 config at input 128 over a few drawn images, trained once
per session by ``higherhrnet train`` (fixture ``trained_run``), and the official training pipeline as
config dicts (also used by the dataset tests)."""
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import CONFIG_DIR, torch_on_one_thread
from keypoint_testdata import TEMPLATES, write_drawn_dataset, write_widget_info

TINY_INPUT_SIZE = 128
# (annotation file, image folder) of the training and the test split, as the dataset base configs name them
SPLITS = {
    'coco': (('annotations/person_keypoints_train2017.json', 'images/train2017'),
             ('annotations/person_keypoints_val2017.json', 'images/val2017')),
    'crowdpose': (('json/crowdpose_trainval.json', 'images'), ('json/crowdpose_test.json', 'images')),
    'widget': (('annotations/train.json', 'images/train'), ('annotations/test.json', 'images/test')),
}
# The widget (a keypoint set of our own, see keypoint_testdata) trains from the COCO config, as a user would.
BASE_CONFIGS = {'coco': 'higherhrnet_w32_coco_512', 'crowdpose': 'higherhrnet_w32_crowdpose_512',
                'widget': 'higherhrnet_w32_coco_512'}


def training_pipeline(input_size, output_sizes, flip_aligned=False):
    """The official training pipeline (the w32_512 yaml's augmentation and targets) as config dicts."""
    return [
        dict(type='LoadImage'),
        dict(type='BottomUpRandomAffine', input_size=input_size, output_sizes=list(output_sizes), max_rotation=30,
             min_scale=0.75, max_scale=1.5, scale_type='short', max_translate=40),
        dict(type='BottomUpRandomFlip', prob=0.5, flip_aligned=flip_aligned),
        dict(type='GenerateBottomUpTargets', sigma=2, max_num_people=30),
        dict(type='PackBottomUpInputs'),
    ]


def write_tiny_training_config(folder, dataset='coco', num_images=4, max_epochs=2, batch_size=2, base_config=None,
                               by_package_scheme=False):
    """A dataset of ``num_images`` drawn images (the same ones for training and testing) under
    ``folder/data`` and a config deriving from ``base_config`` (default the dataset's W32-512): width 8,
    input 128, ``batch_size`` images per process, no data workers, validation after the last epoch, a log line per
    iteration, flip test off and every heatmap peak a candidate, 5 per joint (a barely trained network
    has low peaks; the toolkit then has people to score). ``dataset='widget'``: the COCO config given the
    widget's keypoint set as a user does it: ``model.metainfo``, the datasets' ``metainfo`` and
    ``model.head.num_joints``, the dataset-info file ``widget.py`` beside the config. ``by_package_scheme``:
    the base named ``higherhrnet::<config>.py`` (as another project names it), not by its path. Returns the
    config path."""
    folder = Path(folder)
    data_root = folder / 'data'
    for ann_file, image_folder in SPLITS[dataset]:
        write_drawn_dataset(data_root, ann_file, image_folder, dataset=dataset, num_images=num_images)
    test_ann_file = SPLITS[dataset][1][0]
    config = folder / f'tiny_train_{dataset}.py'
    base_config = base_config or BASE_CONFIGS[dataset]
    # the keypoint set of the shipped configs, or the widget's file, named relative to the config
    keypoint_set = ''
    if dataset == 'widget':
        write_widget_info(folder / 'widget.py')
        keypoint_set = (f"metainfo=dict(from_file='widget.py'), ann_file={SPLITS[dataset][0][0]!r}, "
                        f'data_prefix=dict(img={SPLITS[dataset][0][1] + "/"!r}), ')
    base = f'higherhrnet::{base_config}.py' if by_package_scheme else str(CONFIG_DIR / f'{base_config}.py')
    config.write_text(f'''_base_ = [{base!r}]
data_root = {str(data_root) + '/'!r}
model = dict(backbone=dict(width=8, init_cfg=None), head=dict(in_channels=8, num_joints={len(TEMPLATES[dataset])}),
             {"metainfo=dict(from_file='widget.py')," if keypoint_set else ''}
             test_cfg=dict(input_size={TINY_INPUT_SIZE}, flip_test=False, detection_threshold=0.0,
                           max_num_people=5))
train_pipeline = {training_pipeline(TINY_INPUT_SIZE, [TINY_INPUT_SIZE // 4, TINY_INPUT_SIZE // 2])!r}
train_dataloader = dict(batch_size={batch_size}, num_workers=0, persistent_workers=False, pin_memory=False,
                        dataset=dict({keypoint_set}data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict({keypoint_set.replace(
        SPLITS[dataset][0][0], SPLITS[dataset][1][0]).replace(SPLITS[dataset][0][1], SPLITS[dataset][1][1])}data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + {test_ann_file!r})
test_evaluator = val_evaluator
train_cfg = dict(max_epochs={max_epochs}, val_interval={max_epochs})
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
''')
    return config


def train_tiny(folder, dataset='coco'):
    """``higherhrnet train`` of the tiny config of ``dataset`` for 2 epochs of 2 iterations (4 images,
    batch 2): SimpleNamespace(config, work_dir, data_root, log) where log is the run's log text."""
    from higherhrnet.cli.main import main

    config = write_tiny_training_config(folder, dataset)
    work_dir = folder / 'work_dir'
    with torch_on_one_thread():
        assert main(['train', str(config), '--work-dir', str(work_dir)]) == 0
    (log,) = work_dir.glob('*/*.log')
    return SimpleNamespace(config=config, work_dir=work_dir, data_root=folder / 'data', log=log.read_text())


@pytest.fixture(scope='session')
def trained_run(tmp_path_factory):
    """The tiny COCO config trained by ``higherhrnet train`` (see ``train_tiny``)."""
    return train_tiny(tmp_path_factory.mktemp('trained_run'))


@pytest.fixture(scope='session')
def trained_widget_run(tmp_path_factory):
    """The tiny config of the widget, a 7-joint keypoint set of our own, trained by ``higherhrnet train``."""
    return train_tiny(tmp_path_factory.mktemp('trained_widget_run'), 'widget')
