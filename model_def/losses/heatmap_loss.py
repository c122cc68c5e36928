"""The masked mean squared error between predicted and target heatmaps, per image."""
from torch import nn

from higherhrnet.registry import MODELS


@MODELS.register_module()
class HeatmapLoss(nn.Module):
    """``((pred - target)^2 * mask)`` averaged over the joints and all pixels, one value per image.

    The mask (1 = counted, 0 = ignored: crowd regions, keypoint-less people, the black padding of
    the augmentation) zeroes pixels but does not shrink the denominator: the mean runs over every
    pixel, as in the official code.
    """

    def forward(self, pred, target, mask):
        """``pred``, ``target`` [B, K, H, W]; ``mask`` [B, H, W] (0/1, any dtype) -> [B]."""
        if pred.shape != target.shape:
            raise ValueError(f'predicted heatmaps {list(pred.shape)} and targets {list(target.shape)} differ in shape')
        if mask.shape != pred.shape[:1] + pred.shape[2:]:
            raise ValueError(f'mask {list(mask.shape)} does not fit heatmaps {list(pred.shape)}: expected [B, H, W]')
        loss = (pred - target) ** 2 * mask[:, None].to(pred.dtype)
        # width, then height, then joints: the official order of the means (float rounding only)
        return loss.mean(dim=3).mean(dim=2).mean(dim=1)
