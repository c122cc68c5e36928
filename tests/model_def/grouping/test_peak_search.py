"""The tiled searches return what the full-map computations of the official code return."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from higherhrnet.model_def.grouping import peak_search
from higherhrnet.model_def.grouping.peak_search import nms_top_k, refine_argmax, tile_max, tile_min


def _smooth(rng, shape, scale):
    """Bilinearly upsampled noise (like the network's maps) plus tiny pixel noise (no ties)."""
    channels, height, width = shape
    coarse = torch.from_numpy(rng.randn(channels, height // 4 + 2, width // 4 + 2).astype(np.float32))
    maps = F.interpolate(coarse[None], size=(height, width), mode='bilinear', align_corners=False)[0]
    return maps * scale + torch.from_numpy(rng.rand(*shape).astype(np.float32)) * 1e-4


@pytest.mark.parametrize('size', [(16, 16), (37, 50), (64, 96)])
def test_tile_reductions(size):
    maps = torch.from_numpy(np.random.RandomState(0).randn(3, *size, 2).astype(np.float32))
    expected_max = F.max_pool2d(maps.permute(0, 3, 1, 2), 16, 16, ceil_mode=True).permute(0, 2, 3, 1)
    expected_min = -F.max_pool2d(-maps.permute(0, 3, 1, 2), 16, 16, ceil_mode=True).permute(0, 2, 3, 1)
    torch.testing.assert_close(tile_max(maps), expected_max, rtol=0, atol=0)
    torch.testing.assert_close(tile_min(maps), expected_min, rtol=0, atol=0)


@pytest.mark.parametrize('seed, size, kernel', [(0, (64, 80), 5), (1, (37, 50), 5), (2, (96, 96), 3),
                                                (3, (20, 20), 7)])
def test_nms_top_k_equals_full_max_pool(seed, size, kernel):
    det = _smooth(np.random.RandomState(seed), (6,) + size, 0.4)
    kept = det * (F.max_pool2d(det[None], kernel, 1, kernel // 2)[0] == det)
    expected_val, expected_ind = kept.reshape(6, -1).topk(30, dim=1)
    val, ind = nms_top_k(det, 30, 0.1, kernel)
    above = expected_val > 0.1
    assert above.any()
    torch.testing.assert_close(val > 0.1, above)
    torch.testing.assert_close(val[above], expected_val[above], rtol=0, atol=0)
    torch.testing.assert_close(ind[above], expected_ind[above], rtol=0, atol=0)


def _full_refine_argmax(det, tag, joint, mean_tag):
    # the official per-pixel score map, as numpy computes it, and its first row-major argmax
    found = []
    for j, q in zip(joint.tolist(), mean_tag.numpy()):
        score = det[j].numpy() - np.round(((tag[j].numpy() - q[None, None, :]) ** 2).sum(axis=2) ** 0.5)
        found.append(int(np.argmax(score)))
    return torch.tensor(found)


@pytest.mark.parametrize('dense_fraction', [4, 10 ** 9])  # bounded tiles, and full-map fallback
@pytest.mark.parametrize('seed, size, num_tags, tag_scale', [
    (0, (64, 80), 1, 2.0), (1, (37, 50), 2, 1.5), (2, (48, 48), 1, 0.3), (3, (33, 70), 2, 4.0)])
def test_refine_argmax_equals_full_map(seed, size, num_tags, tag_scale, dense_fraction, monkeypatch):
    monkeypatch.setattr(peak_search, '_DENSE_FRACTION', dense_fraction)
    rng = np.random.RandomState(seed)
    det = _smooth(rng, (5,) + size, 0.4)
    tag = torch.stack([_smooth(rng, (5,) + size, tag_scale) for _ in range(num_tags)], dim=3)
    joint = torch.from_numpy(rng.randint(0, 5, 40))
    mean_tag = torch.from_numpy(rng.randn(40, num_tags).astype(np.float32) * tag_scale)
    expected = _full_refine_argmax(det, tag, joint, mean_tag)
    torch.testing.assert_close(refine_argmax(det, tag, joint, mean_tag), expected, rtol=0, atol=0)


def test_refine_argmax_ties_take_the_first_pixel():
    det = torch.zeros(1, 40, 40)
    det[0, 5, 30] = det[0, 30, 2] = det[0, 30, 3] = 1.0  # three equal maxima
    tag = torch.zeros(1, 40, 40, 1)
    found = refine_argmax(det, tag, torch.tensor([0]), torch.zeros(1, 1))
    assert found.tolist() == [5 * 40 + 30]


def test_refine_argmax_tie_found_late_takes_the_first_pixel():
    # The right tile has the higher bound (heat 2 next to a pixel whose tag is the mean tag), so it
    # is evaluated first and finds score 2 - round(1.2) = 1 at (10, 20); the left tile's bound 1
    # only equals that best, and its pixel (3, 3) with the same score comes first in row-major order.
    det = torch.zeros(1, 16, 32)
    tag = torch.full((1, 16, 32, 1), 5.0)
    det[0, 10, 20], tag[0, 10, 20] = 2.0, 1.2
    tag[0, 9, 21] = 0.0
    det[0, 3, 3], tag[0, 3, 3] = 1.0, 0.0
    joint, mean_tag = torch.tensor([0]), torch.zeros(1, 1)
    expected = _full_refine_argmax(det, tag, joint, mean_tag)
    assert expected.tolist() == [3 * 32 + 3]
    assert refine_argmax(det, tag, joint, mean_tag).tolist() == expected.tolist()


# ---------------------------------------------------------------------------------------------
# Equal peaks: the official torch.topk returns equal values in an order of its own.

def _official_top_k(det, k, kernel=5):
    """The official HeatmapParser.top_k search: NMS of the [1, K, H, W] batch of one image, topk
    over its [1, K, H * W] view."""
    batch = det[None]
    kept = batch * torch.eq(F.max_pool2d(batch, kernel, 1, kernel // 2), batch).float()
    val, ind = kept.view(1, det.shape[0], -1).topk(k, dim=2)
    return val[0], ind[0]


@pytest.fixture
def full_map_calls(monkeypatch):
    """The calls of the full-map top-k fallback, recorded (it still runs)."""
    calls = []

    def recorded(det, k, nms_kernel=5):
        calls.append(tuple(det.shape))
        return full_map(det, k, nms_kernel)
    full_map = peak_search.official_nms_top_k
    monkeypatch.setattr(peak_search, 'official_nms_top_k', recorded)
    return calls


def _isolated_peaks(values, size=64, spacing=6, seed=0):
    """One joint map with one-pixel peaks of the given values on a grid of isolated positions
    (further apart than the NMS window), in a random order of positions."""
    det = torch.zeros(1, size, size)
    grid = [(row, col) for row in range(2, size, spacing) for col in range(2, size, spacing)]
    for value, position in zip(values, np.random.RandomState(seed).permutation(len(grid))):
        det[0, grid[position][0], grid[position][1]] = value
    return det


def test_tie_at_the_kth_place_takes_the_official_choice(full_map_calls):
    # 29 distinct peaks, then three equal ones for the 30th place: topk chooses one of them (here
    # not the one our tiles would give).
    det = _isolated_peaks([0.9 - 0.01 * rank for rank in range(29)] + [0.5] * 3)
    expected_val, expected_ind = _official_top_k(det, 30)
    val, ind = nms_top_k(det, 30, 0.1)
    assert full_map_calls
    torch.testing.assert_close(val, expected_val, rtol=0, atol=0)
    torch.testing.assert_close(ind, expected_ind, rtol=0, atol=0)


@pytest.mark.parametrize('seed, size, kernel', [(0, (64, 80), 5), (1, (37, 50), 7), (2, (40, 33), 3)])
def test_flat_tops_take_the_official_order(seed, size, kernel, full_map_calls):
    # quantised smooth maps: plateaus of exactly equal values, kept whole by the NMS
    det = torch.round(_smooth(np.random.RandomState(seed), (6,) + size, 0.4) * 20) / 20
    expected_val, expected_ind = _official_top_k(det, 30, kernel)
    val, ind = nms_top_k(det, 30, 0.1, kernel)
    assert full_map_calls
    torch.testing.assert_close(val, expected_val, rtol=0, atol=0)
    torch.testing.assert_close(ind, expected_ind, rtol=0, atol=0)


def test_ties_at_or_below_threshold_keep_the_tiled_search(full_map_calls):
    # equal values only where they never become candidates: the tiles' answer stands
    det = _isolated_peaks([0.9 - 0.01 * rank for rank in range(20)] + [0.1] * 10 + [0.05] * 10)
    expected_val, expected_ind = _official_top_k(det, 30)
    val, ind = nms_top_k(det, 30, 0.1)
    assert not full_map_calls
    above = expected_val > 0.1
    torch.testing.assert_close(val[above], expected_val[above], rtol=0, atol=0)
    torch.testing.assert_close(ind[above], expected_ind[above], rtol=0, atol=0)


@pytest.mark.parametrize('seed, size, kernel', [(0, (64, 80), 5), (2, (96, 96), 3)])
def test_no_ties_keep_the_tiled_search(seed, size, kernel, full_map_calls):
    det = _smooth(np.random.RandomState(seed), (6,) + size, 0.4)
    nms_top_k(det, 30, 0.1, kernel)
    assert not full_map_calls
