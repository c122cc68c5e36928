"""Test-time augmentation: from raw network outputs to the aggregated heatmaps and tags of one image.

Reproduces the official ``get_multi_stage_outputs`` + ``aggregate_results`` (OFFICIAL_PIPELINE.md
3.5-3.6) as torch operations on whatever device the outputs live on. Every function works on a batch
(dimension 0) and treats its samples independently, so batching never changes a result.

Maps are ``[N, K, H, W]``; sizes are ``(width, height)``.
"""
import torch
import torch.nn.functional as F


def _resize(maps, height, width):
    return F.interpolate(maps, size=(height, width), mode='bilinear', align_corners=False)


def heatmaps_and_tags(outputs, num_joints, flip_index=None):
    """Heatmap and tag maps of one network pass, at the resolution of the last output (1/2 input).

    ``outputs`` is the network's list ``[out0 [N, 2K, H/4, W/4], out1 [N, K, H/2, W/2]]``. Every
    output but the last is resized (bilinear) to the last one's size; the heatmap is the mean of the
    first K channels of all outputs, summed in index order; tags come from outputs with more than K
    channels (only ``out0``: the 1/2-resolution head predicts no tags).

    With ``flip_index`` the outputs belong to the mirrored input: each is mirrored back **after** the
    resize (the official order) and joints are re-indexed by ``flip_index``, heatmaps and tags alike.
    Tag values are not negated: an embedding is an identity, not a direction.
    """
    height, width = outputs[-1].shape[2:]
    heat_sum = None
    tags = []
    for i, output in enumerate(outputs):
        if i != len(outputs) - 1:
            output = _resize(output, height, width)
        if flip_index is not None:
            output = torch.flip(output, [3])
        heat = output[:, :num_joints]
        if flip_index is not None:
            heat = heat[:, flip_index]
        heat_sum = heat if heat_sum is None else heat_sum + heat
        if output.shape[1] > num_joints:
            tag = output[:, num_joints:]
            tags.append(tag[:, flip_index] if flip_index is not None else tag)
    return heat_sum / len(outputs), tags


def scale_maps(outputs, num_joints, flip_outputs=None, flip_index=None, projected_size=None):
    """Heatmap list and tag list of one scale: ``[heat]`` or, with flip outputs, ``[heat, heat_flip]``.

    ``projected_size`` (w, h): resize every map to it (PROJECT2IMAGE; the official code projects to
    the network input size at scale 1, not to the original image size).
    """
    heat, tags = heatmaps_and_tags(outputs, num_joints)
    heatmaps = [heat]
    if flip_outputs is not None:
        heat_flip, tags_flip = heatmaps_and_tags(flip_outputs, num_joints, flip_index)
        heatmaps.append(heat_flip)
        tags = tags + tags_flip
    if projected_size is not None:
        width, height = projected_size
        heatmaps = [_resize(maps, height, width) for maps in heatmaps]
        tags = [_resize(maps, height, width) for maps in tags]
    return heatmaps, tags


def aggregate_scales(per_scale):
    """Aggregate the ``scale_maps`` results of every scale, given in processing order (largest first).

    ``per_scale`` is a list of ``(scale, heatmaps, tags)``. Returns ``(heatmaps [N, K, H, W], tags
    [N, K, H, W, T])`` at the size of the first (largest) scale's maps. Official behaviour kept:
    the heatmaps of each scale are the mean of its plain and flipped maps, summed over scales in
    order and divided by the number of scales; tags are kept **only from scale 1** (or from the only
    scale) and stacked on a last dimension (T = 2 with flip: original and flipped tag, not averaged).
    """
    final = None
    tag_list = []
    for scale, heatmaps, tags in per_scale:
        if scale == 1 or len(per_scale) == 1:
            if final is not None and tags[0].shape[2:] != final.shape[2:]:
                # only without PROJECT2IMAGE: the scale-1 maps are smaller than the first scale's
                tags = [_resize(maps, *final.shape[2:]) for maps in tags]
            tag_list.extend(maps.unsqueeze(4) for maps in tags)
        average = (heatmaps[0] + heatmaps[1]) / 2.0 if len(heatmaps) == 2 else heatmaps[0]
        if final is None:
            final = average
        elif average.shape[2:] == final.shape[2:]:
            final = final + average
        else:
            final = final + _resize(average, *final.shape[2:])
    if not tag_list:
        raise ValueError('scale_factor must contain 1 (tags are taken from scale 1 only), got '
                         f'{[scale for scale, _, _ in per_scale]}')
    return final / float(len(per_scale)), torch.cat(tag_list, dim=4)
