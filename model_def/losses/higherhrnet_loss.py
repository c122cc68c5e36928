"""HigherHRNet's training loss: heatmap losses at every output resolution, associative embedding
at 1/4 only (the official MultiLossFactory and the trainer's sum)."""
from torch import nn

from higherhrnet.registry import MODELS

from .ae_loss import AssociativeEmbeddingLoss
from .heatmap_loss import HeatmapLoss


@MODELS.register_module()
class HigherHRNetLoss(nn.Module):
    """Named batch-mean loss terms of the network outputs; mmengine's ``parse_losses`` sums them.

    ``loss_module(outputs, heatmaps, masks, joint_indices)`` takes the network output list (output
    s: K heatmap channels, then the tag channels where ``with_ae_loss[s]``) and per-resolution
    batched targets: ``heatmaps[s]`` [B, K, R, R], ``masks[s]`` [B, R, R] (1 = counted),
    ``joint_indices[s]`` [B, max_num_people, K, 2]. It returns ``loss_heatmap_<s>`` for every
    output and ``loss_push`` / ``loss_pull`` for the output with tags (``_<s>`` appended for a
    tagged output other than the first), in the official summation order: heatmap 0, push, pull,
    heatmap 1. Each term is the per-image loss times its factor, then averaged over the batch.

    Args (one entry per output; defaults = the released configs):
        heatmap_loss_factors: LOSS.HEATMAPS_LOSS_FACTOR (1.0, 1.0).
        with_ae_loss: LOSS.WITH_AE_LOSS (True, False).
        push_loss_factors, pull_loss_factors: LOSS.PUSH/PULL_LOSS_FACTOR (0.001, 0.001).
        ae_loss_type: LOSS.AE_LOSS_TYPE, 'exp' (or 'max').
    """

    def __init__(self, heatmap_loss_factors=(1.0, 1.0), with_ae_loss=(True, False),
                 push_loss_factors=(0.001, 0.001), pull_loss_factors=(0.001, 0.001), ae_loss_type='exp'):
        super().__init__()
        lengths = {len(heatmap_loss_factors), len(with_ae_loss), len(push_loss_factors), len(pull_loss_factors)}
        if len(lengths) != 1:
            raise ValueError('heatmap_loss_factors, with_ae_loss, push_loss_factors and pull_loss_factors need '
                             f'one entry per network output; got lengths {sorted(lengths)}')
        self.heatmap_loss_factors = tuple(heatmap_loss_factors)
        self.with_ae_loss = tuple(bool(ae) for ae in with_ae_loss)
        self.push_loss_factors = tuple(push_loss_factors)
        self.pull_loss_factors = tuple(pull_loss_factors)
        self.heatmap_loss = HeatmapLoss()
        self.ae_loss = AssociativeEmbeddingLoss(ae_loss_type)

    @property
    def num_outputs(self):
        return len(self.heatmap_loss_factors)

    def forward(self, outputs, heatmaps, masks, joint_indices):
        if not len(outputs) == len(heatmaps) == len(masks) == self.num_outputs:
            raise ValueError(f'expected {self.num_outputs} network outputs with their heatmaps and masks, got '
                             f'{len(outputs)} outputs, {len(heatmaps)} heatmaps, {len(masks)} masks')
        first_tagged = self.with_ae_loss.index(True) if any(self.with_ae_loss) else None
        losses = {}
        for s, output in enumerate(outputs):
            num_joints = heatmaps[s].shape[1]
            heatmap_loss = self.heatmap_loss(output[:, :num_joints], heatmaps[s], masks[s])
            losses[f'loss_heatmap_{s}'] = (heatmap_loss * self.heatmap_loss_factors[s]).mean(dim=0)
            if self.with_ae_loss[s]:
                push, pull = self.ae_loss(output[:, num_joints:], joint_indices[s])
                suffix = '' if s == first_tagged else f'_{s}'
                losses['loss_push' + suffix] = (push * self.push_loss_factors[s]).mean(dim=0)
                losses['loss_pull' + suffix] = (pull * self.pull_loss_factors[s]).mean(dim=0)
        return losses
