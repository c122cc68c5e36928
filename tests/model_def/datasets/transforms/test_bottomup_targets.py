"""GenerateBottomUpTargets against a plain per-joint loop written from the spec (OFFICIAL_TRAINING.md
3.1-3.2), on random people with overlaps, border joints and several sigmas."""
import math

import numpy as np
import pytest

from higherhrnet.model_def.datasets import GenerateBottomUpTargets, UnusableSampleError


def heatmaps_by_loop(joints, size, sigma):
    radius = 3 * sigma + 1
    side = int(6 * sigma + 3)
    maps = np.zeros((joints.shape[1], size, size), np.float32)
    for person in joints:
        for k, (x, y, v) in enumerate(person):
            ix, iy = int(x), int(y)
            if v <= 0 or ix < 0 or iy < 0 or ix >= size or iy >= size:
                continue
            for p in range(side):
                for q in range(side):
                    row, col = round(iy - radius) + p, round(ix - radius) + q
                    if 0 <= row < size and 0 <= col < size:
                        value = math.exp(-((q - radius) ** 2 + (p - radius) ** 2) / (2 * sigma ** 2))
                        maps[k, row, col] = max(maps[k, row, col], value)
    return maps


def indices_by_loop(joints, size, max_num_people):
    out = np.zeros((max_num_people, joints.shape[1], 2), np.int64)
    for i, person in enumerate(joints[:max_num_people]):
        slot = 0
        for k, (x, y, v) in enumerate(person):
            ix, iy = int(x), int(y)
            if v > 0 and 0 <= ix < size and 0 <= iy < size:
                out[i, slot] = (k * size * size + iy * size + ix, 1)
                slot += 1
    return out


def random_people(rng, num_people, size):
    joints = rng.uniform(-4, size + 4, (num_people, 17, 3))
    joints[:, :, 2] = rng.integers(0, 3, (num_people, 17))
    joints[0, :4, :2] = [[-0.5, 3.0], [size - 0.01, 0.2], [3.99, -0.99], [1.0, 1.0]]  # truncation edges
    joints[1, :4, :2] = joints[0, :4, :2] + 0.3  # overlapping peaks of the same joint types
    return joints


@pytest.mark.parametrize('sigma', [2, 1, -1])
def test_targets_equal_the_per_joint_loop(sigma):
    rng = np.random.default_rng(sigma + 10)
    joints = [random_people(rng, 8, 32), random_people(rng, 8, 64)]
    results = GenerateBottomUpTargets(sigma=sigma, max_num_people=10)(dict(output_sizes=[32, 64], joints=joints))
    for i, size in enumerate([32, 64]):
        size_sigma = sigma if sigma > 0 else size / 64
        np.testing.assert_array_equal(results['heatmaps'][i], heatmaps_by_loop(joints[i], size, size_sigma))
        np.testing.assert_array_equal(results['joint_indices'][i], indices_by_loop(joints[i], size, 10))


def test_people_beyond_the_limit_only_fail_with_visible_joints():
    joints = np.zeros((3, 17, 3))
    joints[0, 0] = (5, 5, 2)
    joints[2, 3] = (40, 5, 2)  # row 2 visible but outside a 32 map: ignored
    targets = GenerateBottomUpTargets(max_num_people=2)
    targets(dict(output_sizes=[32], joints=[joints], img_path='a.png'))
    joints[2, 3] = (4, 5, 2)
    with pytest.raises(UnusableSampleError, match='a.png.*person row 2 of 3'):
        targets(dict(output_sizes=[32], joints=[joints], img_path='a.png'))
