"""HeatmapLoss: masked squared error, averaged over every pixel (masked ones count in the denominator)."""
import pytest
import torch

from higherhrnet.model_def.losses import HeatmapLoss


def test_masked_pixels_add_nothing_but_count_in_the_mean():
    pred, target = torch.zeros(2, 3, 4, 4), torch.zeros(2, 3, 4, 4)
    pred[0, 1, 2, 2] = 2.0  # counted: 4 / (3 * 16)
    pred[1, 0, 0, 0] = 5.0  # masked out
    mask = torch.ones(2, 4, 4)
    mask[1, 0, 0] = 0
    torch.testing.assert_close(HeatmapLoss()(pred, target, mask), torch.tensor([4 / 48, 0.0]))


def test_a_boolean_mask_works_like_a_float_one_and_keeps_the_precision():
    pred, target = torch.rand(1, 2, 8, 8, dtype=torch.float64), torch.rand(1, 2, 8, 8)
    mask = torch.rand(1, 8, 8) > 0.5
    loss = HeatmapLoss()(pred, target, mask)
    assert loss.dtype == torch.float64
    torch.testing.assert_close(loss, HeatmapLoss()(pred, target, mask.double()))


@pytest.mark.parametrize('target,mask,match', [
    (torch.zeros(1, 2, 4, 5), torch.ones(1, 4, 4), 'differ in shape'),
    (torch.zeros(1, 2, 4, 4), torch.ones(1, 1, 4, 4), 'does not fit'),
])
def test_shape_mismatches_are_refused(target, mask, match):
    with pytest.raises(ValueError, match=match):
        HeatmapLoss()(torch.zeros(1, 2, 4, 4), target, mask)
