"""Training targets of associative embedding: joint heatmaps and joint indices per output size.

Equal to the official HeatmapGenerator and JointsGenerator (tag per joint), vectorised over all
people and joints instead of the official Python loops.
"""
import numpy as np

from higherhrnet.registry import TRANSFORMS

from .base import BaseTransform
from .errors import UnusableSampleError


def pixels_in_map(joints, size):
    """Which joints mark a pixel of a ``size`` x ``size`` map, and that pixel (ix, iy).

    A joint counts when v > 0 and ``int(x)``, ``int(y)`` (truncation toward zero, official quirk 2:
    (-1, 0) becomes pixel 0) lie in [0, size). Returns a bool [P, K] and the int64 columns and
    rows of all joints (meaningful where the bool is set).
    """
    x, y = joints[..., 0], joints[..., 1]
    inside = (joints[..., 2] > 0) & (x > -1) & (y > -1) & (x < size) & (y < size)
    # Out-of-map coordinates are zeroed first so that the integer conversion cannot overflow.
    ix = np.where(inside, x, 0).astype(np.int64)
    iy = np.where(inside, y, 0).astype(np.int64)
    return inside, ix, iy


def gaussian_patch(sigma):
    """The official unnormalised Gaussian patch (peak 1 at the centre), float64, side 6*sigma + 3."""
    side = 6 * sigma + 3
    x = np.arange(0, side, 1, float)
    y = x[:, np.newaxis]
    centre = 3 * sigma + 1
    return np.exp(-((x - centre) ** 2 + (y - centre) ** 2) / (2 * sigma ** 2))


def render_heatmaps(joints, size, sigma):
    """float32 [K, size, size]: a Gaussian at every counted joint, joints of one type merged by
    element-wise max (official quirk 6).

    Every person row is drawn (there is no ``max_num_people`` limit on the heatmaps). The patch is
    placed with its centre on the truncated pixel and cut at the map border, as in the official code.
    """
    num_joints = joints.shape[1]
    inside, ix, iy = pixels_in_map(joints, size)
    person, joint = np.nonzero(inside)
    patch = gaussian_patch(sigma).astype(np.float32)
    offsets = np.arange(patch.shape[0])
    # Upper-left and lower-right (exclusive) corners of each patch, as the official rounding gives them.
    left = np.round(ix[person, joint] - 3 * sigma - 1).astype(np.int64)
    top = np.round(iy[person, joint] - 3 * sigma - 1).astype(np.int64)
    right = np.minimum(np.round(ix[person, joint] + 3 * sigma + 2).astype(np.int64), size)
    bottom = np.minimum(np.round(iy[person, joint] + 3 * sigma + 2).astype(np.int64), size)
    rows = top[:, None] + offsets                                   # [N, n]
    columns = left[:, None] + offsets
    in_map = (((rows >= 0) & (rows < bottom[:, None]))[:, :, None]
              & ((columns >= 0) & (columns < right[:, None]))[:, None, :])
    # Flat indices into [K, size, size] plus one spare cell that takes the patch parts off the map.
    spare = num_joints * size * size
    flat_index = joint[:, None, None] * (size * size) + rows[:, :, None] * size + columns[:, None, :]
    flat_index = np.where(in_map, flat_index, spare)
    heatmaps = np.zeros(spare + 1, dtype=np.float32)
    np.maximum.at(heatmaps, flat_index.ravel(), np.broadcast_to(patch, flat_index.shape).ravel())
    return heatmaps[:spare].reshape(num_joints, size, size)


def encode_joint_indices(joints, size, max_num_people, image_name=None):
    """int64 [max_num_people, K, 2]: per person, its counted joints packed to the front in joint
    order as (k * size * size + iy * size + ix, 1), the rest (0, 0).

    Each row of ``joints`` keeps its row index, so a person without a counted joint leaves an
    empty row (official quirk 3: keypoint-less persons occupy rows). A person beyond
    ``max_num_people`` that has a counted joint raises :class:`UnusableSampleError` (the official
    code raised IndexError); one without any is ignored.
    """
    num_people, num_joints = joints.shape[:2]
    inside, ix, iy = pixels_in_map(joints, size)
    overflow = np.nonzero(inside[max_num_people:].any(axis=1))[0]
    if overflow.size:
        raise UnusableSampleError(
            f'image {image_name}: person row {max_num_people + overflow[0]} of {num_people} has visible '
            f'joints in the {size} x {size} output but max_num_people is {max_num_people}')
    inside = inside[:max_num_people]
    person, joint = np.nonzero(inside)
    slot = (np.cumsum(inside, axis=1) - 1)[person, joint]
    indices = np.zeros((max_num_people, num_joints, 2), dtype=np.int64)
    indices[person, slot, 0] = joint * size * size + iy[person, joint] * size + ix[person, joint]
    indices[person, slot, 1] = 1
    return indices


@TRANSFORMS.register_module()
class GenerateBottomUpTargets(BaseTransform):
    """Heatmaps and joint indices at every output size from ``joints`` (after affine and flip).

    ``sigma`` is in output pixels, the same at every size (the official yamls use 2); a negative
    sigma is the official default of ``R / 64`` per output size R. Writes ``heatmaps`` (float32
    [K, R, R] per size) and ``joint_indices`` (int64 [max_num_people, K, 2] per size).
    """

    def __init__(self, sigma=2, max_num_people=30):
        self.sigma = sigma
        self.max_num_people = max_num_people

    def transform(self, results):
        heatmaps, joint_indices = [], []
        for size, joints in zip(results['output_sizes'], results['joints']):
            sigma = self.sigma if self.sigma >= 0 else size / 64
            heatmaps.append(render_heatmaps(joints, size, sigma))
            joint_indices.append(encode_joint_indices(joints, size, self.max_num_people, results.get('img_path')))
        results['heatmaps'] = heatmaps
        results['joint_indices'] = joint_indices
        return results
