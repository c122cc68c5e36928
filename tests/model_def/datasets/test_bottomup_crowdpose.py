"""BottomUpCrowdPoseDataset: a CrowdPose-format file read with xtcocotools; nothing is masked."""
import json

import numpy as np
import pytest
from datasets_testdata import training_pipeline, write_image

from higherhrnet.registry import DATASETS

K = 14


@pytest.fixture(scope='module')
def crowdpose_root(tmp_path_factory):
    """Image 7: a person, a crowd region with keypoints, a crowd region without, a keypoint-less
    person; image 8: no annotation."""
    root = tmp_path_factory.mktemp('crowdpose')
    (root / 'images').mkdir()
    for image_id in (7, 8):
        write_image(root / 'images' / f'{image_id}.jpg.png', np.full((30, 40, 3), image_id, np.uint8))

    def person(ann_id, num_keypoints, iscrowd=0):
        keypoints = np.zeros((K, 3))
        keypoints[:num_keypoints] = (10.0, 5.0, 1)
        return dict(id=ann_id, image_id=7, category_id=1, iscrowd=iscrowd, num_keypoints=num_keypoints,
                    keypoints=keypoints.ravel().tolist(), bbox=[1, 1, 20, 20])

    content = dict(
        images=[dict(id=image_id, file_name=f'{image_id}.jpg.png', height=30, width=40, crowdIndex=0.2)
                for image_id in (7, 8)],
        annotations=[person(71, 14), person(72, 3, iscrowd=1), person(73, 0, iscrowd=1), person(74, 0)],
        categories=[dict(id=1, name='person', supercategory='person', keypoints=[], skeleton=[])])
    (root / 'crowdpose_trainval.json').write_text(json.dumps(content))
    return root


def build(root, **kwargs):
    return DATASETS.build(dict(type='higherhrnet.BottomUpCrowdPoseDataset', data_root=str(root),
                               ann_file='crowdpose_trainval.json', data_prefix=dict(img='images/'), **kwargs))


def test_crowdpose_rows_no_mask_and_meta(crowdpose_root):
    dataset = build(crowdpose_root, pipeline=training_pipeline(input_size=64, output_sizes=[16, 32]))
    assert len(dataset) == 1  # image 8 has no annotation
    info = dataset.get_data_info(0)
    assert info['person_ann_ids'] == [71, 72, 74] and info['people'].shape == (3, K, 3)
    assert info['loss_mask'].all() and info['loss_mask'].shape == (30, 40)
    assert info['flip_index'] == [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 12, 13]
    assert dataset.metainfo['dataset_name'] == 'crowdpose'
    sample = dataset[0]['data_samples']
    assert sample.heatmaps[0].shape == (K, 16, 16) and sample.joint_indices[1].shape == (30, K, 2)


def test_crowdpose_test_mode_keeps_every_image(crowdpose_root):
    dataset = build(crowdpose_root, test_mode=True, pipeline=[dict(type='LoadImage'), dict(type='PackBottomUpInputs')])
    assert [dataset[i]['data_samples'].img_id for i in range(len(dataset))] == [7, 8]
