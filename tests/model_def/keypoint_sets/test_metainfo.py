"""Keypoint sets as data: dataset-info files in mmpose's format read into the dataset meta, the shipped
COCO and CrowdPose files equal to the official values, and every inconsistency a one-line error that
names the file and the field."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS

from conftest import CONFIG_DIR
from keypoint_testdata import WIDGET_JOINTS, WIDGET_LINKS, write_dataset_info, write_widget_info
from higherhrnet.model_def.grouping import default_joint_order
from higherhrnet.model_def.keypoint_sets import KeypointSetError, parse_pose_metainfo, shipped_metainfo_files

# The official values the shipped files must give (the configs' dataset_meta before keypoint sets were data).
OFFICIAL = {
    'coco': dict(
        flip_index=[0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15],
        skeleton=[[15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7], [6, 8],
                  [7, 9], [8, 10], [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6]],
        joint_order=[0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16],
        sigmas=[v / 10.0 for v in (.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87,
                                   .89, .89)]),
    'crowdpose': dict(
        flip_index=[1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 12, 13],
        skeleton=[[10, 8], [8, 6], [11, 9], [9, 7], [6, 7], [0, 6], [1, 7], [0, 1], [0, 2], [1, 3], [2, 4],
                  [3, 5], [12, 13], [1, 13], [0, 13]],
        joint_order=[0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13],
        sigmas=[v / 10.0 for v in (.79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89, .79, .79)]),
}


@pytest.mark.parametrize('name', ['coco', 'crowdpose'])
def test_shipped_files_give_the_official_values(name):
    meta = parse_pose_metainfo(dict(from_file=f'configs/_base_/datasets/{name}.py'))
    for key, value in OFFICIAL[name].items():
        assert meta[key] == value, key  # bit-exact sigmas: the toolkits' own OKS
    # mmpose's spellings of the same facts
    assert meta['flip_indices'] == meta['flip_index'] and meta['skeleton_links'] == meta['skeleton']
    assert meta['num_keypoints'] == len(meta['keypoint_names']) == len(meta['keypoint_id2name'])
    assert parse_pose_metainfo(dict(from_file=name)) == meta == parse_pose_metainfo(dict(from_file=f'{name}.py'))
    assert set(shipped_metainfo_files()) >= {'coco', 'crowdpose'}


def test_a_file_of_ones_own_gives_every_key(tmp_path):
    meta = parse_pose_metainfo(dict(from_file=str(write_widget_info(tmp_path / 'widget.py'))))
    assert meta['dataset_name'] == 'widget' and meta['keypoint_names'] == list(WIDGET_JOINTS)
    assert meta['flip_index'] == [0, 2, 1, 4, 3, 6, 5]  # from swap
    assert meta['flip_pairs'] == [[1, 2], [3, 4], [5, 6]]
    assert meta['skeleton'] == [[WIDGET_JOINTS.index(a), WIDGET_JOINTS.index(b)] for a, b in WIDGET_LINKS]
    assert meta['keypoint_colors'][1] == [40, 128, 255] and meta['skeleton_link_colors'][1] == [255, 30, 0]
    assert meta['sigmas'] == [0.05] * 7 and meta['joint_weights'] == [1.0] * 7
    assert meta['joint_order'] == list(range(7)) == default_joint_order(7)
    assert meta['from_file'] == str((tmp_path / 'widget.py').resolve())
    # plain values only: the meta travels in training checkpoints read with weights_only=True
    path = tmp_path / 'meta.pth'
    torch.save(meta, path)
    assert torch.load(path, weights_only=True) == meta


def _hand(path, **kwargs):
    """A 21-joint hand as mmpose's OneHand10K file writes it: no left/right, ``sigmas=[]``, and the old
    files' data settings beside dataset_info."""
    joints = [('wrist', '')] + [(f'{finger}{i}', '') for finger in ('thumb', 'forefinger', 'middle_finger',
                                                                  'ring_finger', 'pinky_finger') for i in range(1, 5)]
    links = [(('wrist' if i == 1 else f'{finger}{i - 1}'), f'{finger}{i}')
             for finger in ('thumb', 'forefinger', 'middle_finger', 'ring_finger', 'pinky_finger') for i in range(1, 5)]
    return write_dataset_info(path, 'onehand10k', joints, links, extra="data_root = 'data/onehand10k'\n", **kwargs)


def _wholebody(path):
    """133 joints (body, feet, face, both hands) with left/right swaps throughout, as COCO-WholeBody's."""
    names = [f'body_{k}' for k in range(17)] + [f'{side}_foot_{k}' for side in ('left', 'right') for k in range(3)]
    names += [f'face-{k}' for k in range(68)] + [f'{side}_hand_{k}' for side in ('left', 'right') for k in range(21)]
    swap = {n: n.replace('left', 'RIGHT').replace('right', 'left').replace('RIGHT', 'right') for n in names}
    return write_dataset_info(path, 'coco_wholebody', [(n, swap[n] if swap[n] != n else '') for n in names],
                              [('left_hand_0', 'left_hand_1'), ('body_0', 'face-30')], sigmas=[0.03] * 133)


@pytest.mark.parametrize('write, num, flips, sigmas', [
    (_hand, 21, 0, []),  # OneHand10K-like: no OKS sigmas (keypoint AP then asks for them)
    (_wholebody, 133, 6 + 42, [0.03] * 133),
])
def test_mmpose_style_files_work_unchanged(tmp_path, write, num, flips, sigmas):
    meta = parse_pose_metainfo(dict(from_file=str(write(tmp_path / 'set.py'))))
    assert meta['num_keypoints'] == num and len(meta['flip_pairs']) == flips // 2 and meta['sigmas'] == sigmas
    # and a model describes exactly that set
    cfg = Config.fromfile(str(CONFIG_DIR / 'higherhrnet_w32_coco_512.py'))
    cfg.model.backbone = dict(type='HRNet', width=8)
    cfg.model.head.update(in_channels=8, num_joints=num)
    cfg.model.metainfo = dict(from_file=str(tmp_path / 'set.py'))
    model = MODELS.build(cfg.model)
    assert model.dataset_meta['keypoint_names'] == meta['keypoint_names']


@pytest.mark.parametrize('edit, field', [
    (lambda s: s.replace("swap='right_arm'", "swap='right_wing'"), 'swap'),
    (lambda s: s.replace("swap='right_arm'", "swap='left_hand'"), 'swap'),  # not a pair
    (lambda s: s.replace("name='left_foot', id=5", "name='left_hand', id=5"), 'same name'),
    (lambda s: s.replace("dict(name='left_foot', id=5", "dict(name='left_foot', id=4"), 'id'),
    (lambda s: s.replace('sigmas=[0.05, 0.05, 0.05,', 'sigmas=[0.05, 0.05,'), 'sigmas'),
    (lambda s: s.replace('joint_weights=[1.] * 7', 'joint_weights=[1.] * 6'), 'joint_weights'),
    (lambda s: s.replace("link=('top', 'left_arm')", "link=('top', 'left_wing')"), 'skeleton_info'),
    (lambda s: s.replace('dataset_info = dict(', 'dataset_info = dict(\n    keypoint_names=[],'), 'unknown'),
    (lambda s: s.replace('dataset_info = dict(', 'info = dict('), 'dataset_info'),
    (lambda s: s.replace('dataset_info = dict(', 'dataset_info = dict(('), 'cannot read'),
])
def test_inconsistent_files_name_the_file_and_the_field(tmp_path, edit, field):
    path = write_widget_info(tmp_path / 'widget.py')
    path.write_text(edit(path.read_text()))
    with pytest.raises(KeypointSetError, match=field) as error:
        parse_pose_metainfo(dict(from_file=str(path)))
    assert str(path) in str(error.value) and '\n' not in str(error.value)


def test_a_missing_file_lists_the_shipped_ones():
    with pytest.raises(FileNotFoundError, match='coco, crowdpose'):
        parse_pose_metainfo(dict(from_file='no_such_set.py'))


def test_plain_dataset_meta_keeps_working_and_gets_mmpose_names():
    meta = parse_pose_metainfo(dict(keypoint_names=['a', 'b', 'c'], flip_index=[0, 2, 1], skeleton=[[0, 1]]))
    assert meta['flip_indices'] == [0, 2, 1] and meta['keypoint_id2name'] == {0: 'a', 1: 'b', 2: 'c'}
    assert meta['joint_order'] == [0, 1, 2] and meta['skeleton_links'] == [[0, 1]]
    # and from mmpose's names
    again = parse_pose_metainfo(dict(keypoint_id2name={0: 'a', 1: 'b', 2: 'c'}, flip_indices=[0, 2, 1],
                                     skeleton_links=[[0, 1]]))
    assert again['keypoint_names'] == ['a', 'b', 'c'] and again['flip_index'] == [0, 2, 1]


def _widget_model_cfg(tmp_path, num_joints=7):
    cfg = Config.fromfile(str(CONFIG_DIR / 'higherhrnet_w32_coco_512.py'))
    cfg.model.backbone = dict(type='HRNet', width=8)
    cfg.model.head.update(in_channels=8, num_joints=num_joints)
    cfg.model.metainfo = dict(from_file=str(write_widget_info(tmp_path / 'widget.py')))
    return cfg.model


def test_head_joint_count_must_match_the_keypoint_set(tmp_path):
    with pytest.raises(KeypointSetError, match=r'num_joints=17.*widget\.py describes 7 keypoints.*num_joints=7'):
        MODELS.build(_widget_model_cfg(tmp_path, num_joints=17))


def test_metainfo_and_dataset_meta_together_are_refused(tmp_path):
    cfg = _widget_model_cfg(tmp_path)
    cfg.dataset_meta = dict(keypoint_names=list(WIDGET_JOINTS))
    with pytest.raises(KeypointSetError, match='both metainfo and dataset_meta'):
        MODELS.build(cfg)


def test_a_checkpoint_of_another_joint_count_names_the_config_that_fits(tmp_path):
    from higherhrnet.model_def.checkpoint import CheckpointMismatchError
    model = MODELS.build(_widget_model_cfg(tmp_path))
    coco = Config.fromfile(str(CONFIG_DIR / 'higherhrnet_w32_coco_512.py')).model
    coco.backbone = dict(type='HRNet', width=32)
    state_dict = MODELS.build(coco).state_dict()
    with pytest.raises(CheckpointMismatchError, match='higherhrnet_w32_coco'):
        model.load_state_dict(state_dict)
