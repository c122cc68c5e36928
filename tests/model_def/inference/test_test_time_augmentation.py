"""Flip test, projection and aggregation over scales on small synthetic network outputs.

The comparison with the official maps of a real network run is in test_estimator.py (the aggregated
heatmaps and tags of all four settings of pipeline_coco_w32_512_sq512.npz).
"""
import pytest
import torch
import torch.nn.functional as F

from higherhrnet.model_def.inference.test_time_augmentation import aggregate_scales, heatmaps_and_tags, scale_maps

K = 3
FLIP_INDEX = [0, 2, 1]


def _outputs(seed, batch=1, height=4, width=6):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(batch, 2 * K, height, width, generator=generator),
            torch.randn(batch, K, 2 * height, 2 * width, generator=generator)]


def _up(maps, height, width):
    return F.interpolate(maps, size=(height, width), mode='bilinear', align_corners=False)


def test_heatmaps_average_both_resolutions_and_tags_come_from_the_first_output():
    out0, out1 = _outputs(0)
    heat, tags = heatmaps_and_tags([out0, out1], K)
    up0 = _up(out0, 8, 12)
    torch.testing.assert_close(heat, (up0[:, :K] + out1) / 2, rtol=0, atol=0)
    assert len(tags) == 1
    torch.testing.assert_close(tags[0], up0[:, K:], rtol=0, atol=0)


def test_flipped_outputs_are_resized_then_mirrored_and_reindexed_tags_not_negated():
    out0, out1 = _outputs(1)
    heat, tags = heatmaps_and_tags([out0, out1], K, FLIP_INDEX)
    back0 = torch.flip(_up(out0, 8, 12), [3])
    back1 = torch.flip(out1, [3])
    torch.testing.assert_close(heat, (back0[:, :K][:, FLIP_INDEX] + back1[:, FLIP_INDEX]) / 2, rtol=0, atol=0)
    torch.testing.assert_close(tags[0], back0[:, K:][:, FLIP_INDEX], rtol=0, atol=0)


def test_scale_maps_projects_every_map_to_the_base_size():
    outputs, flipped = _outputs(2), _outputs(3)
    heatmaps, tags = scale_maps(outputs, K, flipped, FLIP_INDEX, projected_size=(24, 16))
    assert [tuple(m.shape) for m in heatmaps + tags] == [(1, K, 16, 24)] * 4
    heat_flip, _ = heatmaps_and_tags(flipped, K, FLIP_INDEX)
    torch.testing.assert_close(heatmaps[1], _up(heat_flip, 16, 24), rtol=0, atol=0)


def test_tags_only_from_scale_one_and_heatmaps_averaged_over_scales():
    size = (24, 16)
    per_scale = [(scale, *scale_maps(_outputs(10 + i, height=h, width=w), K, _outputs(20 + i, height=h, width=w),
                                     FLIP_INDEX, projected_size=size))
                 for i, (scale, h, w) in enumerate([(2, 8, 12), (1, 4, 6), (0.5, 2, 3)])]
    heatmaps, tags = aggregate_scales(per_scale)
    expected = sum((h[0] + h[1]) / 2.0 for _, h, _ in per_scale[1:]) + (per_scale[0][1][0] + per_scale[0][1][1]) / 2.0
    torch.testing.assert_close(heatmaps, expected / 3.0)
    assert tuple(tags.shape) == (1, K, 16, 24, 2)  # T = 2: original and flipped tag, not averaged
    torch.testing.assert_close(tags[..., 0], per_scale[1][2][0], rtol=0, atol=0)
    torch.testing.assert_close(tags[..., 1], per_scale[1][2][1], rtol=0, atol=0)


def test_single_scale_other_than_one_keeps_its_tags():
    heatmaps, tags = aggregate_scales([(2, *scale_maps(_outputs(4), K))])
    assert tuple(tags.shape) == (1, K, 8, 12, 1)
    assert tuple(heatmaps.shape) == (1, K, 8, 12)


def test_without_projection_later_scales_are_resized_to_the_first():
    per_scale = [(2, *scale_maps(_outputs(5, height=8, width=12), K)), (1, *scale_maps(_outputs(6), K))]
    heatmaps, tags = aggregate_scales(per_scale)
    assert tuple(heatmaps.shape) == (1, K, 16, 24) and tuple(tags.shape) == (1, K, 16, 24, 1)
    torch.testing.assert_close(tags[..., 0], _up(per_scale[1][2][0], 16, 24), rtol=0, atol=0)


def test_multi_scale_without_scale_one_is_refused():
    per_scale = [(2, *scale_maps(_outputs(7), K)), (0.5, *scale_maps(_outputs(8), K))]
    with pytest.raises(ValueError, match='must contain 1'):
        aggregate_scales(per_scale)


def test_batch_gives_the_same_maps_as_each_sample_alone():
    outputs, flipped = _outputs(9, batch=3), _outputs(10, batch=3)
    heatmaps, tags = aggregate_scales([(1, *scale_maps(outputs, K, flipped, FLIP_INDEX, (24, 16)))])
    for i in range(3):
        alone = aggregate_scales([(1, *scale_maps([o[i:i + 1] for o in outputs], K,
                                                  [o[i:i + 1] for o in flipped], FLIP_INDEX, (24, 16)))])
        assert torch.equal(alone[0], heatmaps[i:i + 1]) and torch.equal(alone[1], tags[i:i + 1])
