"""The associative embedding loss (Newell et al., 2017) on per-joint tag maps, per image.

Joint indices come as the official JointsGenerator writes them: ``[max_num_people, K, 2]`` per
image, each visible joint as ``(index into the image's tag maps flattened as (K, R, R), 1)``,
packed to the front of its person's row; unused entries are ``(0, 0)``.
"""
import torch
from torch import nn

from higherhrnet.registry import MODELS

AE_LOSS_TYPES = ('exp', 'max')


@MODELS.register_module()
class AssociativeEmbeddingLoss(nn.Module):
    """Pull: the variance of each person's tags around their mean. Push: how close the mean tags of
    different people are, ``exp(-d^2)`` ('exp', HigherHRNet's setting) or ``max(0, 1 - |d|)``
    ('max', the official default.py value), averaged over ordered pairs and halved.

    Per image with N people that have a visible joint: pull = mean over them of the mean squared
    deviation of their tags from their mean tag; push = 0.5 * mean over pairs i != j. With N = 1
    push is 0, with N = 0 both are 0. Gradients flow through the mean tags in both terms.
    """

    def __init__(self, loss_type='exp'):
        super().__init__()
        if loss_type not in AE_LOSS_TYPES:
            raise ValueError(f'loss_type must be one of {AE_LOSS_TYPES}, got {loss_type!r}')
        self.loss_type = loss_type

    def forward(self, tags, joint_indices):
        """``tags`` [B, T, H, W] (T = K tag maps, or 1); ``joint_indices`` [B, P, K, 2] integer.

        Returns ``(push, pull)``, each [B]."""
        if tags.shape[0] != joint_indices.shape[0] or joint_indices.shape[-1] != 2:
            raise ValueError(f'joint_indices {list(joint_indices.shape)} do not fit tags {list(tags.shape)}: '
                             'expected [B, max_num_people, K, 2]')
        pushes, pulls = [], []
        for image_tags, image_joints in zip(tags.flatten(1), joint_indices):
            push, pull = self._single_image(image_tags, image_joints)
            pushes.append(push)
            pulls.append(pull)
        return torch.stack(pushes), torch.stack(pulls)

    def _single_image(self, tags, joints):
        visible = joints[..., 1] > 0
        people = visible.any(dim=1)
        visible, index = visible[people], joints[people][..., 0].long()  # [N, K], people in row order
        num_people = len(index)
        zero = tags.new_zeros(())
        if num_people == 0:
            return zero, zero
        joint_count = visible.sum(dim=1).to(tags.dtype)
        person_tags = torch.where(visible, tags[index], zero)
        mean_tags = person_tags.sum(dim=1) / joint_count
        deviation = torch.where(visible, (person_tags - mean_tags[:, None]) ** 2, zero)
        pull = (deviation.sum(dim=1) / joint_count).sum() / num_people
        if num_people == 1:
            return zero, pull
        diff = mean_tags[:, None] - mean_tags[None, :]
        if self.loss_type == 'exp':
            closeness = torch.exp(-diff ** 2)
        else:
            closeness = torch.clamp(1 - diff.abs(), min=0)
        # the N diagonal entries (each exactly 1) are summed and taken off again, as officially
        push = (closeness.sum() - num_people) / ((num_people - 1) * num_people) * 0.5
        return push, pull
