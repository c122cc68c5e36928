"""BottomUpCocoDataset on a tiny COCO-format keypoint file written here: which annotations become
people, which pixels leave the loss, which images are dropped, test mode, skipped samples."""
import json

import cv2
import numpy as np
import pytest
from datasets_testdata import CollectedLog, training_pipeline, write_image
from pycocotools import mask as mask_utils

from higherhrnet.model_def.datasets import UnusableSampleError
from higherhrnet.registry import DATASETS

HEIGHT, WIDTH = 48, 64
K = 17


def keypoints(visible_joints, x=20.0, y=10.0):
    """A flat COCO keypoint list with the given joints visible (v = 2) at x + j, y + j."""
    flat = np.zeros((K, 3))
    for joint in visible_joints:
        flat[joint] = (x + joint, y + joint, 2)
    return flat.ravel().tolist()


def crowd_rle():
    """An uncompressed RLE (the COCO crowd format) of the rectangle rows 5..14, columns 40..59."""
    region = np.zeros((HEIGHT, WIDTH), np.uint8, order='F')
    region[5:15, 40:60] = 1
    counts, value, run = [], 0, 0
    for pixel in region.ravel(order='F'):  # column-major runs, starting with zeros
        if pixel != value:
            counts.append(run)
            value, run = pixel, 0
        run += 1
    counts.append(run)
    return {'size': [HEIGHT, WIDTH], 'counts': counts}


POLYGON = [[2.0, 30.0, 12.0, 30.0, 12.0, 44.0, 2.0, 44.0]]


def annotation(ann_id, image_id, visible_joints=(), iscrowd=0, segmentation=None):
    return dict(id=ann_id, image_id=image_id, category_id=1, iscrowd=iscrowd, num_keypoints=len(visible_joints),
                keypoints=keypoints(visible_joints), segmentation=segmentation or [[0, 0, 1, 0, 1, 1]],
                area=1.0, bbox=[0, 0, 1, 1])


@pytest.fixture(scope='module')
def coco_root(tmp_path_factory):
    """Image 1: a person, a crowd RLE, a keypoint-less person with a polygon, a crowd WITH
    keypoints; image 2: a crowd region only; image 3: no annotation; image 4: one person."""
    root = tmp_path_factory.mktemp('coco')
    (root / 'images').mkdir()
    rng = np.random.default_rng(0)
    images = []
    for image_id in (1, 2, 3, 4):
        name = f'{image_id:04d}.png'
        write_image(root / 'images' / name, rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8))
        images.append(dict(id=image_id, file_name=name, height=HEIGHT, width=WIDTH))
    annotations = [
        annotation(11, 1, visible_joints=[0, 5, 16]),
        annotation(12, 1, iscrowd=1, segmentation=crowd_rle()),
        annotation(13, 1, segmentation=POLYGON),
        annotation(14, 1, visible_joints=[1, 2], iscrowd=1, segmentation=crowd_rle()),
        annotation(21, 2, iscrowd=1, segmentation=crowd_rle()),
        annotation(41, 4, visible_joints=[3]),
    ]
    categories = [dict(id=1, name='person', supercategory='person', keypoints=[], skeleton=[])]
    (root / 'keypoints.json').write_text(json.dumps(dict(images=images, annotations=annotations,
                                                         categories=categories)))
    return root


def build(root, **kwargs):
    kwargs.setdefault('pipeline', training_pipeline(input_size=64, output_sizes=[16, 32]))
    return DATASETS.build(dict(type='higherhrnet.BottomUpCocoDataset', data_root=str(root), ann_file='keypoints.json',
                               data_prefix=dict(img='images/'), **kwargs))


def test_people_rows_and_dropped_images(coco_root):
    dataset = build(coco_root)
    assert [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))] == [1, 2, 4]  # 3 has no annotation
    first = dataset.get_data_info(0)
    # The crowd region without keypoints is no person; the keypoint-less person is an all-zero row.
    assert first['person_ann_ids'] == [11, 13, 14]
    assert first['people'].shape == (3, K, 3) and first['people'].dtype == np.float64
    np.testing.assert_array_equal(first['people'][0].ravel(), keypoints([0, 5, 16]))
    assert not first['people'][1].any()
    np.testing.assert_array_equal(first['people'][2].ravel(), keypoints([1, 2]))
    assert first['img_path'] == str(coco_root / 'images' / '0001.png')
    assert first['flip_index'] == [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
    assert dataset.get_data_info(1)['people'].shape == (0, K, 3)  # crowd-only image: kept, nobody


def test_loss_mask_leaves_out_crowd_regions_and_keypointless_persons(coco_root):
    mask = build(coco_root).get_data_info(0)['loss_mask']
    crowd = mask_utils.decode(mask_utils.frPyObjects(crowd_rle(), HEIGHT, WIDTH)).astype(bool)
    polygon = mask_utils.decode(mask_utils.frPyObjects(POLYGON, HEIGHT, WIDTH))[:, :, 0].astype(bool)
    assert crowd.sum() == 200 and polygon.any()
    np.testing.assert_array_equal(mask, ~(crowd | polygon))


def test_training_sample_is_packed_as_agreed(coco_root):
    np.random.seed(3)
    packed = build(coco_root)[0]
    assert packed['inputs'].dtype.is_floating_point is False and packed['inputs'].shape == (3, 64, 64)
    sample = packed['data_samples']
    assert [tuple(h.shape) for h in sample.heatmaps] == [(K, 16, 16), (K, 32, 32)]
    assert [tuple(m.shape) for m in sample.masks] == [(16, 16), (32, 32)]
    assert [tuple(j.shape) for j in sample.joint_indices] == [(30, K, 2), (30, K, 2)]
    assert str(sample.joint_indices[0].dtype) == 'torch.int64' and str(sample.masks[0].dtype) == 'torch.float32'
    assert sample.img_id == 1 and sample.ori_shape == (HEIGHT, WIDTH) and sample.output_sizes == [16, 32]
    assert set(sample.metainfo) >= {'img_path', 'input_size', 'aug_scale', 'aug_rot', 'translate', 'flip'}


def test_test_mode_gives_every_image_in_file_order(coco_root):
    dataset = build(coco_root, test_mode=True,
                    pipeline=[dict(type='LoadImage'), dict(type='PackBottomUpInputs')])
    assert [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))] == [1, 2, 3, 4]
    packed = dataset[2]
    rgb = cv2.cvtColor(cv2.imread(str(coco_root / 'images' / '0003.png')), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(packed['inputs'].permute(1, 2, 0).numpy(), rgb)
    assert packed['data_samples'].metainfo == dict(img_id=3, img_path=str(coco_root / 'images' / '0003.png'),
                                                   ori_shape=(HEIGHT, WIDTH))


def test_serialized_lazy_and_plain_datasets_agree(coco_root):
    plain = build(coco_root, serialize_data=False)
    lazy = build(coco_root, serialize_data=True, lazy_init=True)
    assert not lazy._fully_initialized
    lazy.full_init()
    assert len(lazy) == len(plain) == 3
    for i in range(3):
        a, b = plain.get_data_info(i), lazy.get_data_info(i)
        assert a.keys() == b.keys()
        for key in a:
            if isinstance(a[key], np.ndarray):
                np.testing.assert_array_equal(a[key], b[key])
            else:
                assert a[key] == b[key]


def test_unusable_sample_is_skipped_with_one_warning(coco_root, tmp_path):
    (tmp_path / 'images').mkdir()
    (tmp_path / 'images' / '0001.png').write_bytes(b'not an image')  # image 1 is unreadable
    for name in ('0002.png', '0004.png'):
        (tmp_path / 'images' / name).write_bytes((coco_root / 'images' / name).read_bytes())
    (tmp_path / 'keypoints.json').write_text((coco_root / 'keypoints.json').read_text())
    dataset = build(tmp_path)
    np.random.seed(0)
    with CollectedLog() as log:
        sample = dataset[0]
    assert sample['data_samples'].img_id in (2, 4)
    # One line per refetch that drew image 1 (the refetch index is random).
    assert log.warnings and all('0001.png' in line and 'cannot read' in line and '\n' not in line
                                for line in log.warnings)
    with pytest.raises(UnusableSampleError, match='0001.png'):  # test mode: no skipping
        build(tmp_path, test_mode=True, pipeline=[dict(type='LoadImage'), dict(type='PackBottomUpInputs')])[0]


def test_too_many_people_is_skipped_with_one_warning(coco_root):
    dataset = build(coco_root, pipeline=[{**t, 'max_num_people': 1} if t['type'] == 'GenerateBottomUpTargets' else t
                                         for t in training_pipeline(input_size=64, output_sizes=[16, 32])])
    np.random.seed(0)
    with CollectedLog() as log:
        for _ in range(5):  # image 1 has two labelled people: skipped whenever both are in view
            assert dataset[0]['data_samples'].img_id in (1, 2, 4)
    assert log.warnings and all('0001.png' in line and 'max_num_people is 1' in line for line in log.warnings)


def test_annotations_of_another_keypoint_count_name_the_file(coco_root, tmp_path):
    from keypoint_testdata import write_widget_info
    meta_file = write_widget_info(tmp_path / 'widget.py')
    with pytest.raises(ValueError, match=r"keypoints\.json: annotation \d+ has 51 'keypoints' values, "
                                         r'not 3 x 7'):
        build(coco_root, metainfo=dict(from_file=str(meta_file)))


def copy_with_annotations(coco_root, folder, annotations=None, text=None):
    """``folder`` holding coco_root's images and its annotation file with other ``annotations`` (or
    the file's ``text`` as given)."""
    (folder / 'images').mkdir()
    for image in (coco_root / 'images').iterdir():
        (folder / 'images' / image.name).write_bytes(image.read_bytes())
    document = json.loads((coco_root / 'keypoints.json').read_text())
    if annotations is not None:
        document['annotations'] = annotations
    (folder / 'keypoints.json').write_text(text if text is not None else json.dumps(document))
    return folder


def test_a_corrupt_annotation_file_is_named_in_one_line(coco_root, tmp_path):
    text = (coco_root / 'keypoints.json').read_text()
    root = copy_with_annotations(coco_root, tmp_path, text=text[:len(text) // 2])
    with pytest.raises(ValueError, match=r'annotation file \S*keypoints.json is not valid JSON: ') as error:
        build(root)
    assert '\n' not in str(error.value)


def test_annotations_without_people_are_an_error_naming_the_file(coco_root, tmp_path):
    root = copy_with_annotations(coco_root, tmp_path, annotations=[])
    with pytest.raises(ValueError, match=r'keypoints.json: none of its 4 images has an annotation'):
        build(root)


def test_people_without_visible_joints_are_warned_about(coco_root, tmp_path):
    root = copy_with_annotations(coco_root, tmp_path, annotations=[annotation(11, 1), annotation(41, 4)])
    with CollectedLog() as log:
        assert len(build(root)) == 2
    assert [line for line in log.warnings if 'keypoints.json: no person has a visible keypoint' in line
            and 'push/pull' in line]
