"""Small synthetic inputs for the tool tests: a picture, a short video and tiny width-8 models with
official-layout checkpoints (fixtures: import them into a test module). COCO-format datasets: keypoint_testdata."""
import cv2
import numpy as np
import pytest

from conftest import torch_on_one_thread
from serving import write_tiny_model


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
