"""Small synthetic inputs for the tool tests: a picture, a short video, a COCO-format dataset and tiny
width-8 models with official-layout checkpoints (fixtures: import them into a test module)."""
import json

import cv2
import numpy as np
import pytest

from conftest import torch_on_one_thread
from serving import write_tiny_model

# A standing person in a 64-unit box (x, y): nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles.
_COCO_TEMPLATE = np.array([
    [32, 6], [29, 4], [35, 4], [26, 6], [38, 6], [22, 16], [42, 16], [18, 28], [46, 28], [16, 40],
    [48, 40], [26, 40], [38, 40], [26, 52], [38, 52], [26, 63], [38, 63]], dtype=np.float64)
# CrowdPose order: l/r shoulder, elbow, wrist, hip, knee, ankle, head top, neck.
_CROWDPOSE_TEMPLATE = np.concatenate([_COCO_TEMPLATE[5:], [[32, 0], [32, 11]]])


def synthetic_image(height=96, width=128, seed=0):
    """A BGR picture with gradients, discs and a rectangle (no real people)."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1),
                      (x + y) * 127 // max(height + width - 2, 1)], axis=-1).astype(np.uint8)
    cv2.circle(image, (width // 3, height // 2), height // 5, (40, 200, 90), -1)
    cv2.rectangle(image, (width // 2, height // 4), (width - 10, height - 10), (200, 60, 30), -1)
    noise = rng.randint(-6, 7, image.shape)
    return np.clip(image.astype(np.int64) + noise, 0, 255).astype(np.uint8)


def write_video(path, num_frames=5, height=96, width=128, fps=10):
    """A short MJPG .avi of moving synthetic frames (OpenCV writes it without extra codecs)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), fps, (width, height))
    assert writer.isOpened(), 'OpenCV cannot write an MJPG video here'
    for i in range(num_frames):
        writer.write(np.roll(synthetic_image(height, width, seed=i), 4 * i, axis=1))
    writer.release()
    return path


def people_keypoints(dataset, boxes):
    """Ground-truth joints [P, K, 3] (x, y, visibility 2) of template people scaled into (x, y, size) boxes."""
    template = _COCO_TEMPLATE if dataset == 'coco' else _CROWDPOSE_TEMPLATE
    people = [np.concatenate([template * size / 64 + [x, y], np.full((len(template), 1), 2.0)], axis=1)
              for x, y, size in boxes]
    return np.array(people)


def write_annotations(path, dataset, images):
    """A COCO-format keypoint annotation file. images: list of (id, file_name, width, height, keypoints [P, K, 3]).

    CrowdPose files carry what its toolkit reads: ``crowdIndex`` per image, no ``area``.
    """
    num_joints = 17 if dataset == 'coco' else 14
    file = {'images': [], 'annotations': [],
            'categories': [{'id': 1, 'name': 'person', 'supercategory': 'person',
                            'keypoints': [f'joint{k}' for k in range(num_joints)], 'skeleton': []}]}
    for image_id, file_name, width, height, keypoints in images:
        entry = {'id': image_id, 'file_name': file_name, 'width': width, 'height': height}
        if dataset == 'crowdpose':
            entry['crowdIndex'] = 0.5
        file['images'].append(entry)
        for person in keypoints:
            x0, y0 = person[:, :2].min(axis=0)
            x1, y1 = person[:, :2].max(axis=0)
            annotation = {'id': len(file['annotations']) + 1, 'image_id': image_id, 'category_id': 1,
                          'iscrowd': 0, 'keypoints': person.reshape(-1).tolist(),
                          'num_keypoints': int((person[:, 2] > 0).sum()),
                          'bbox': [float(x0), float(y0), float(x1 - x0), float(y1 - y0)]}
            if dataset == 'coco':
                annotation['area'] = float((x1 - x0) * (y1 - y0))
            file['annotations'].append(annotation)
    path.write_text(json.dumps(file))
    return path


_tiny_models = {}


def _tiny_model(tmp_path_factory, base_config):
    """(config path, checkpoint path) of a width-8 model of ``base_config``, written once per session."""
    if base_config not in _tiny_models:
        _tiny_models[base_config] = write_tiny_model(tmp_path_factory.mktemp(f'tiny_{base_config}'), base_config)
    return _tiny_models[base_config]


@pytest.fixture
def tiny_coco_model(tmp_path_factory):
    """(config path, checkpoint path) of a width-8 COCO model; torch runs on one thread meanwhile."""
    with torch_on_one_thread():
        yield _tiny_model(tmp_path_factory, 'higherhrnet_w32_coco_512')


@pytest.fixture
def tiny_crowdpose_model(tmp_path_factory):
    """(config path, checkpoint path) of a width-8 CrowdPose model; torch runs on one thread meanwhile."""
    with torch_on_one_thread():
        yield _tiny_model(tmp_path_factory, 'higherhrnet_w32_crowdpose_512')
