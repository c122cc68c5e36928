"""Associative-embedding grouping: heatmaps and tags of one image -> people.

Exactly the official ``HeatmapParser.parse`` (lib/core/group.py; OFFICIAL_PIPELINE.md 3.7) for one
image, quirks included, but fast: NMS, top-k, adjust and refine are tensor operations on the maps'
device, vectorised over joints and people; only the tag matching (a dict of groups and 16 small
assignment problems) runs on the CPU, with ``model_def.grouping.assignment.classic_munkres``.

Coordinates are heatmap pixels, x (column) before y (row). Float arithmetic follows the official
code: float32 where it works on the float32 maps, float64 where numpy promotes (candidate rows,
tag distances, matching costs). Equal values are resolved as the official code resolves them:
equal candidates in the order ``torch.topk`` returns them on the full map (its own order, not by
index), the candidates enter the assignment in that order, refine takes the first row-major maximum
(numpy ``argmax``), and adjust steps by -0.25 between equal neighbours.
"""
import numpy as np
import torch

from .assignment import classic_munkres
from .peak_search import nms_top_k, refine_argmax, tile_max

__all__ = ['group_keypoints', 'grouping_config', 'default_joint_order', 'COCO_JOINT_ORDER',
           'CROWDPOSE_JOINT_ORDER']

# The official parser's order of matching joints to groups, written for COCO: head first, then
# shoulders and **hips** (the torso fixes the person), then elbows, wrists, knees, ankles. With K
# joints it takes the first K entries, so CrowdPose (14) gets the first 14.
COCO_JOINT_ORDER = (0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16)
CROWDPOSE_JOINT_ORDER = COCO_JOINT_ORDER[:14]

_DEFAULTS = dict(detection_threshold=0.1, tag_threshold=1.0, max_num_people=30,
                 use_detection_val=True, ignore_too_much=False, nms_kernel=5, nms_padding=2,
                 joint_order=None)
# test_cfg keys that belong to the rest of the pipeline; accepted so a whole test_cfg can be passed.
_PIPELINE_KEYS = frozenset({'flip_test', 'scale_factor', 'project2image', 'input_size'})


def group_keypoints(heatmaps, tags, *, adjust=True, refine=True, **test_cfg):
    """Group the joints of one image into people, as the official ``HeatmapParser.parse``.

    Args:
        heatmaps: ``[K, H, W]`` aggregated heatmaps (numpy or torch, any device).
        tags: ``[K, H, W, T]`` tag maps (T = 1, or 2 with flip test).
        adjust: quarter-pixel shift towards the higher neighbour, then +0.5.
        refine: fill in missing joints of every person from the full maps.
        **test_cfg: ``detection_threshold``, ``tag_threshold``, ``max_num_people``,
            ``use_detection_val``, ``ignore_too_much``, ``nms_kernel``, ``nms_padding``,
            ``joint_order``; pipeline keys (``flip_test``, ``scale_factor``, ``project2image``,
            ``input_size``) are ignored.

    Returns:
        ``(poses, scores)``: float32 numpy ``[P, K, 3 + T]`` (x, y, value, tags...) in heatmap
        pixels, people in the official order, and float32 ``[P]`` (mean value over all K joints
        after adjust, before refine).
    """
    det, tag = as_maps(heatmaps, tags)
    cfg = grouping_config(test_cfg, det.shape[0])
    num_joints, _, _ = det.shape
    num_tags = tag.shape[3]

    tile_max_det = tile_max(det)  # shared by the NMS and refine searches
    val_k, loc_k, tag_k = top_k(det, tag, cfg['max_num_people'], cfg['detection_threshold'],
                                cfg['nms_kernel'], tile_max_det)
    poses = match_by_tag(val_k, loc_k, tag_k, cfg)
    if len(poses) == 0:
        return (np.zeros((0, num_joints, 3 + num_tags), dtype=np.float32),
                np.zeros(0, dtype=np.float32))
    if adjust:
        adjust_joints(poses, det)
    # float32 numpy mean of the value column per person, the official expression (its float32
    # summation order is numpy's; scores are taken before refine on purpose).
    scores = np.array([person[:, 2].mean() for person in poses], dtype=np.float32)
    if refine:
        refine_missing_joints(poses, det, tag, tile_max_det)
    return poses, scores


def as_maps(heatmaps, tags):
    """Validated float32 torch ``[K, H, W]`` heatmaps and ``[K, H, W, T]`` tags on the heatmaps' device."""
    det = _as_tensor(heatmaps, 'heatmaps')
    tag = _as_tensor(tags, 'tags').to(det.device)
    if det.dim() != 3:
        raise ValueError(f'heatmaps must be [K, H, W], got shape {tuple(det.shape)}')
    if tag.dim() != 4 or tag.shape[:3] != det.shape:
        raise ValueError(f'tags must be [K, H, W, T] with the heatmaps\' K, H, W '
                         f'{tuple(det.shape)}, got shape {tuple(tag.shape)}')
    if tag.shape[3] == 0 or det.shape[1] == 0 or det.shape[2] == 0:
        raise ValueError(f'empty maps: heatmaps {tuple(det.shape)}, tags {tuple(tag.shape)}')
    return det, tag


def _as_tensor(maps, name):
    if isinstance(maps, np.ndarray):
        if not (maps.flags.c_contiguous and maps.flags.writeable):
            maps = np.array(maps)  # torch.from_numpy refuses negative strides, warns on read-only
        maps = torch.from_numpy(maps)
    if not isinstance(maps, torch.Tensor):
        raise TypeError(f'{name} must be a numpy array or a torch tensor, got {type(maps).__name__}')
    if not maps.is_floating_point():
        raise TypeError(f'{name} must be floating point, got {maps.dtype}')
    # The official parser works on the float32 network outputs.
    return maps.detach().to(torch.float32)


def default_joint_order(num_joints):
    """The joint order of a keypoint set that names none: the official parser's (its first K entries)
    where those are an order of the K joints, as for COCO and CrowdPose; otherwise the keypoint file's
    own order (joint 0 first: the joints of the first visited type open the groups)."""
    official = list(COCO_JOINT_ORDER[:num_joints])
    if sorted(official) == list(range(num_joints)):
        return official
    return list(range(num_joints))


def grouping_config(test_cfg, num_joints):
    """The grouping options of ``test_cfg`` with the official defaults filled in, checked."""
    unknown = set(test_cfg) - set(_DEFAULTS) - _PIPELINE_KEYS
    if unknown:
        raise TypeError(f'group_keypoints() got unknown test_cfg keys {sorted(unknown)}; '
                        f'known: {sorted(_DEFAULTS)}')
    cfg = {key: test_cfg.get(key, default) for key, default in _DEFAULTS.items()}
    if cfg['joint_order'] is None:
        cfg['joint_order'] = default_joint_order(num_joints)
    cfg['joint_order'] = tuple(int(j) for j in cfg['joint_order'])
    if sorted(cfg['joint_order']) != list(range(num_joints)):
        raise ValueError(f'joint_order must be a permutation of 0..{num_joints - 1}, '
                         f'got {cfg["joint_order"]}')
    if int(cfg['max_num_people']) < 1:
        raise ValueError(f'max_num_people must be >= 1, got {cfg["max_num_people"]}')
    if cfg['detection_threshold'] < 0:
        # A negative threshold would keep candidates with value <= 0, which the official adjust
        # and refine then treat as missing; refuse rather than produce such people.
        raise ValueError(f'detection_threshold must be >= 0, got {cfg["detection_threshold"]}')
    if cfg['nms_kernel'] != 2 * cfg['nms_padding'] + 1 or cfg['nms_kernel'] < 1:
        # any other pair makes the official max-pool output a different size than the heatmap
        raise ValueError(f'nms_kernel must be 2 * nms_padding + 1, got {cfg["nms_kernel"]} and '
                         f'{cfg["nms_padding"]}')
    cfg['max_num_people'] = int(cfg['max_num_people'])
    return cfg


def top_k(det, tag, max_num_people, detection_threshold=0.1, nms_kernel=5, tile_max_det=None):
    """Official ``HeatmapParser.top_k`` for one image: NMS, then the ``max_num_people`` highest
    peaks per joint.

    Returns numpy ``val_k`` float32 ``[K, M]``, ``loc_k`` int64 ``[K, M, 2]`` (x, y) and ``tag_k``
    float32 ``[K, M, T]``. Only entries with value > ``detection_threshold`` are meaningful (the
    official ones below are suppressed pixels in unspecified order).
    """
    num_joints, height, width = det.shape
    # NMS keeps a pixel where the max-pool equals it exactly, so every pixel of a flat-topped
    # maximum survives. The official code pools every pixel; peak_search only the top tiles,
    # unless equal candidates make the official topk's own order of equal values matter.
    val_k, ind = nms_top_k(det, max_num_people, detection_threshold, nms_kernel, tile_max_det)
    tag_k = tag.reshape(num_joints, height * width, -1).gather(
        1, ind[:, :, None].expand(-1, -1, tag.shape[3]))
    # The official code computes y as (ind / w).long() (float division): identical to the integer
    # division below for maps under ~16.7M pixels.
    loc_k = torch.stack((ind % width, ind // width), dim=2)
    return val_k.cpu().numpy(), loc_k.cpu().numpy(), tag_k.cpu().numpy()


def match_by_tag(val_k, loc_k, tag_k, cfg):
    """Official ``match_by_tag``: float32 ``[P, K, 3 + T]`` people in group insertion order."""
    num_joints, _, num_tags = tag_k.shape
    groups = _Groups(num_joints, num_tags)
    for position, joint in enumerate(cfg['joint_order']):
        # Candidate rows [x, y, val, tags...]: numpy promotes int64 locations and float32
        # values/tags to float64, and every later computation on them is float64.
        joints = np.concatenate((loc_k[joint], val_k[joint, :, None], tag_k[joint]), axis=1)
        keep = joints[:, 2] > cfg['detection_threshold']  # strictly greater
        joints = joints[keep]
        tags = tag_k[joint][keep]
        if len(joints) == 0:
            continue
        if position == 0 or len(groups) == 0:
            for row in range(len(joints)):
                groups.open(joint, joints[row], tags[row])
            continue
        # Only the first max_num_people groups (insertion order) can be matched; later ones are
        # never matched again (but are still output).
        matchable = min(len(groups), cfg['max_num_people'])
        if cfg['ignore_too_much'] and matchable == cfg['max_num_people']:
            continue
        group_tags = groups.mean_tags(matchable)
        distance = np.linalg.norm(joints[:, None, 3:] - group_tags[None, :, :], ord=2, axis=2)
        cost = distance
        if cfg['use_detection_val']:
            # np.round rounds half to even; the value term is the same along a row, which makes
            # equal-cost optima common (hence the classic Munkres choice matters).
            cost = np.round(distance) * 100 - joints[:, 2:3]
        num_added = len(joints)
        if num_added > matchable:
            cost = np.concatenate((cost, np.zeros((num_added, num_added - matchable)) + 1e10),
                                  axis=1)
        for row, col in classic_munkres(cost):
            # the tag threshold is tested on the unrounded distance
            if col < matchable and distance[row, col] < cfg['tag_threshold']:
                groups.join(col, joint, joints[row], tags[row])
            else:
                groups.open(joint, joints[row], tags[row])
    return groups.poses()


class _Groups:
    """The official ``joint_dict`` / ``tag_dict`` pair: people in insertion order, keyed by the
    float value of the first tag channel of the candidate that opened them."""

    def __init__(self, num_joints, num_tags):
        self._shape = (num_joints, 3 + num_tags)
        # a group gains at most one member per visited joint (+1 when re-opened and joined in the
        # same step)
        self._tags_shape = (num_joints + 1, num_tags)
        self._index = {}  # key -> position in insertion order
        self._joints = []  # float64 [K, 3 + T] per person
        self._tags = []  # member tags per person: float32 rows [:count]
        self._count = []
        self._means = []  # cached mean of the member tags, None when stale

    def __len__(self):
        return len(self._joints)

    def open(self, joint, row, tag):
        # float(tag[0]) hashes and compares like the official numpy float32 key (0.0 == -0.0,
        # NaN never equal). An exactly equal key re-uses that person: row ``joint`` is
        # overwritten and the member tags are **reset** to this one tag (official quirk).
        key = float(tag[0])
        person = self._index.get(key)
        if person is None:
            person = self._index[key] = len(self._joints)
            self._joints.append(np.zeros(self._shape))
            self._tags.append(np.empty(self._tags_shape, dtype=np.float32))
            self._count.append(0)
            self._means.append(None)
        self._joints[person][joint] = row
        self._tags[person][0] = tag
        self._count[person] = 1
        self._means[person] = None

    def join(self, person, joint, row, tag):
        self._joints[person][joint] = row
        self._tags[person][self._count[person]] = tag
        self._count[person] += 1
        self._means[person] = None

    def mean_tags(self, count):
        """float32 ``[count, T]``: numpy mean of each group's member tags, as the official
        ``np.mean(list_of_tags, axis=0)``: the same contiguous float32 [n, T] array is reduced
        (numpy's summation order differs between T = 1 and T = 2, so it is not re-implemented)."""
        for person in range(count):
            if self._means[person] is None:
                members = self._tags[person][:self._count[person]]
                self._means[person] = np.mean(members, axis=0)
        return np.array(self._means[:count])

    def poses(self):
        if not self._joints:
            return np.zeros((0,) + self._shape, dtype=np.float32)
        return np.array(self._joints).astype(np.float32)


def _quarter_steps(det, joint, x, y):
    """+-0.25 towards the higher neighbour along x (right vs left) and along y (lower vs upper),
    neighbours clamped to the map, ties -> minus. ``joint``, ``x``, ``y``: int64 tensors on the
    maps' device. Returns two float numpy arrays of +-0.25."""
    _, height, width = det.shape
    flat = det.reshape(-1)
    base = joint * (height * width)  # flat gathers: several times faster than (j, y, x) indexing
    right = flat[base + y * width + (x + 1).clamp(max=width - 1)]
    left = flat[base + y * width + (x - 1).clamp(min=0)]
    below = flat[base + (y + 1).clamp(max=height - 1) * width + x]
    above = flat[base + (y - 1).clamp(min=0) * width + x]
    dx = torch.where(right > left, 0.25, -0.25)
    dy = torch.where(below > above, 0.25, -0.25)
    return dx.cpu().numpy(), dy.cpu().numpy()


def adjust_joints(poses, det):
    """Official ``adjust`` (in place): every joint with value > 0 moves a quarter pixel towards its
    higher neighbour on the raw (not NMS'd) heatmap, then by +0.5 (pixel centre).

    The official code unpacks (x, y) into variables named the other way round; the effect is the
    one written here."""
    person, joint = np.nonzero(poses[:, :, 2] > 0)
    xy = poses[person, joint, :2]
    index = torch.from_numpy(xy.astype(np.int64)).to(det.device)  # int() truncation
    dx, dy = _quarter_steps(det, torch.from_numpy(joint).to(det.device), index[:, 0], index[:, 1])
    # float32 arithmetic as in the official code: (coord +- 0.25) + 0.5
    poses[person, joint, 0] = (xy[:, 0] + dx.astype(np.float32)) + np.float32(0.5)
    poses[person, joint, 1] = (xy[:, 1] + dy.astype(np.float32)) + np.float32(0.5)


def refine_missing_joints(poses, det, tag, tile_max_det=None):
    """Official ``refine`` for every person (in place): a joint with value 0 is replaced by the
    argmax of ``det - round(tag distance to the person's mean tag)`` when the heatmap value there is
    > 0 (it may be far below the detection threshold). Only missing joints are searched: the
    official code computes the map for every joint and then discards the others."""
    detected = poses[:, :, 2] > 0
    # The person's tag: numpy float32 mean of the tag maps at the truncated (x, y) of its detected
    # joints, one call per person as in the official code (its float32 summation order is numpy's).
    person, joint = np.nonzero(detected)
    xy = torch.from_numpy(poses[person, joint, :2].astype(np.int32).astype(np.int64)).to(tag.device)
    member_tags = tag[torch.from_numpy(joint).to(tag.device), xy[:, 1], xy[:, 0]].cpu().numpy()
    splits = np.cumsum(detected.sum(axis=1))[:-1]
    person_tags = np.array([np.mean(t, axis=0) for t in np.split(member_tags, splits)],
                           dtype=np.float32)

    person, joint = np.nonzero(poses[:, :, 2] == 0)
    if len(person) == 0:
        return
    joint_t = torch.from_numpy(joint).to(det.device)
    mean_tag = torch.from_numpy(person_tags[person]).to(det.device)
    flat = refine_argmax(det, tag, joint_t, mean_tag, tile_max_det)
    width = det.shape[2]
    y, x = flat // width, flat % width
    val = det[joint_t, y, x].cpu().numpy()
    dx, dy = _quarter_steps(det, joint_t, x, y)
    x, y = x.cpu().numpy(), y.cpu().numpy()
    fill = val > 0
    person, joint = person[fill], joint[fill]
    # float64 as in the official code (numpy int + 0.5), stored into the float32 array
    poses[person, joint, 0] = (x[fill] + 0.5) + dx[fill]
    poses[person, joint, 1] = (y[fill] + 0.5) + dy[fill]
    poses[person, joint, 2] = val[fill]
