"""BottomUpRandomFlip: the official misaligned flip by default, the aligned one on request."""
import random

import numpy as np
import pytest

from higherhrnet.model_def.datasets import BottomUpRandomFlip

S, R = 16, 4


def sample():
    image = np.zeros((S, S, 3), np.uint8)
    image[5, 4] = 255
    loss_mask = np.ones((S, S), bool)
    loss_mask[:, :4] = False  # an original S x S image, warped to R x R by a plain scaling
    mask = np.ones((R, R), np.float32)
    mask[:, 0] = 0
    joints = np.zeros((1, 3, 3))
    joints[0, 1] = (4 * R / S, 5 * R / S, 2)  # on the bright pixel, at output resolution
    return dict(img=image, loss_mask=loss_mask, masks=[mask], joints=[joints], input_size=S, output_sizes=[R],
                output_matrices=[np.array([[R / S, 0, 0], [0, R / S, 0]])], flip_index=[0, 2, 1])


def test_official_flip_mirrors_targets_at_their_own_size():
    results = BottomUpRandomFlip(prob=1.0)(sample())
    assert results['flip'] and results['img'][5, S - 1 - 4].all()
    np.testing.assert_array_equal(results['joints'][0][0, 2], (R - 1 - 1.0, 1.25, 2))  # joint 1 became joint 2
    assert not results['masks'][0][:, R - 1].any() and results['masks'][0][:, :R - 1].all()


def test_aligned_flip_mirrors_targets_about_the_image_axis():
    results = BottomUpRandomFlip(prob=1.0, flip_aligned=True)(sample())
    x = results['joints'][0][0, 2, 0]
    assert x * S / R == S - 1 - 4  # exactly on the mirrored bright pixel
    # Source columns 12..15 of the mirror image cover output x in [3, 3.75]: column 3 is excluded.
    assert not results['masks'][0][:, R - 1].any() and results['masks'][0][:, :R - 1].all()
    assert results['masks'][0].dtype == np.float32


@pytest.mark.parametrize('prob', [0.0, 0.5])
def test_flip_draws_once_from_python_random(prob):
    same_sequence = random.Random(7)
    random.seed(7)
    results = BottomUpRandomFlip(prob=prob)(sample())
    assert results['flip'] == (same_sequence.random() < prob)
    assert random.random() == same_sequence.random()  # exactly one draw
