"""Random scale, rotation and translation of a training sample (official RandomAffineTransform)."""
import cv2
import numpy as np

from higherhrnet.registry import TRANSFORMS

from .base import BaseTransform
from .errors import UnusableSampleError


def affine_matrix(center, scale, size, rotation):
    """2 x 3 float64 matrix from image pixels to a ``size`` x ``size`` crop.

    The crop is the square of side ``200 * scale`` image pixels around ``center`` (x, y), rotated
    by ``rotation`` degrees (counter-clockwise on screen) about the crop centre; no half-pixel
    term. Built with the official sequence of products so that the float64 matrix, and thus
    OpenCV's fixed-point warp, is bit-identical.
    """
    side = 200 * scale
    matrix = np.zeros((3, 3))
    matrix[0, 0] = float(size) / side
    matrix[1, 1] = float(size) / side
    matrix[0, 2] = size * (-float(center[0]) / side + .5)
    matrix[1, 2] = size * (-float(center[1]) / side + .5)
    matrix[2, 2] = 1
    if not rotation == 0:  # exactly 0 skips the rotation, as in the official code
        radians = -rotation * np.pi / 180
        sin, cos = np.sin(radians), np.cos(radians)
        rotate = np.zeros((3, 3))
        rotate[0, :2] = [cos, -sin]
        rotate[1, :2] = [sin, cos]
        rotate[2, 2] = 1
        to_origin = np.eye(3)
        to_origin[0, 2] = -size / 2
        to_origin[1, 2] = -size / 2
        back = to_origin.copy()
        back[:2, 2] *= -1
        matrix = np.dot(back, np.dot(rotate, np.dot(to_origin, matrix)))
    return matrix[:2]


def affine_points(points, matrix):
    """Map the (x, y) of ``points`` [..., 2] (float64) with a 2 x 3 matrix."""
    flat = points.reshape(-1, 2)
    homogeneous = np.concatenate((flat, flat[:, 0:1] * 0 + 1), axis=1)
    return np.dot(homogeneous, matrix.T).reshape(points.shape)


def warp_loss_mask(loss_mask, matrix, size):
    """Warp a bool loss mask to ``size`` x ``size``: float32 0/1.

    As uint8 0/255 with OpenCV's bilinear warp and a black border, then ``> 0.5`` after / 255:
    pixels that come from outside the image are 0, i.e. out of the loss (official quirk 5).
    """
    warped = cv2.warpAffine((loss_mask * 255).astype(np.uint8), matrix, (size, size)) / 255
    return (warped > 0.5).astype(np.float32)


@TRANSFORMS.register_module()
class BottomUpRandomAffine(BaseTransform):
    """Crop a random square of the image, scaled, rotated and shifted, to ``input_size``, and the
    loss mask and the people to each of ``output_sizes``.

    Reads ``img``, ``loss_mask`` (bool H x W, True = counts in the loss) and ``people`` (float64
    P x K x 3: x, y, visibility). Writes ``img`` (S x S x 3), ``masks`` (float32 R x R per output
    size), ``joints`` (P x K x 3 per output size, every joint mapped, v = 0 ones too: official
    quirk 10), ``input_size``, ``output_sizes`` and the draws ``aug_scale``, ``aug_rot``
    (degrees), ``translate`` (dx, dy in original pixels), plus ``input_matrix`` and
    ``output_matrices``.

    The crop is centred on the image centre (W/2, H/2), of side ``short side * aug_scale``
    (``scale_type='short'``; ``'long'`` uses the long side). The draws come from numpy's global
    RNG in the official order: scale, rotation, dx, dy.
    """

    def __init__(self, input_size, output_sizes, max_rotation=30, min_scale=0.75, max_scale=1.5,
                 scale_type='short', max_translate=40):
        if scale_type not in ('short', 'long'):
            raise ValueError(f"scale_type must be 'short' or 'long', not {scale_type!r}")
        self.input_size = input_size
        self.output_sizes = list(output_sizes)
        self.max_rotation = max_rotation
        self.min_scale = min_scale
        self.max_scale = max_scale
        self.scale_type = scale_type
        self.max_translate = max_translate

    def draw_augmentation(self, scale, image_name):
        """(aug_scale, aug_rot, dx, dy) from numpy's global RNG, in the official order.

        ``scale`` is the crop side / 200 before the random scale. The translation bound is
        ``max_translate * scale * aug_scale`` truncated toward zero, upper end excluded (official
        quirk 7: dx, dy in {-T, ..., T-1}); T = 0 raises :class:`UnusableSampleError` where
        numpy's randint raised ``high <= 0`` in the official code.
        """
        aug_scale = np.random.random() * (self.max_scale - self.min_scale) + self.min_scale
        aug_rot = (np.random.random() * 2 - 1) * self.max_rotation
        dx = dy = 0
        if self.max_translate > 0:
            bound = self.max_translate * (scale * aug_scale)
            # numpy's legacy randint converts float bounds with int(): truncation toward zero.
            low, high = int(-bound), int(bound)
            if high <= low:
                raise UnusableSampleError(
                    f'image {image_name}: too small to translate (crop side {200 * scale * aug_scale:.2f} '
                    f'px at aug_scale {aug_scale:.3f}, translation bound {bound:.3f} < 1 px)')
            dx = np.random.randint(low, high)
            dy = np.random.randint(low, high)
        return aug_scale, aug_rot, dx, dy

    def transform(self, results):
        height, width = results['img'].shape[:2]
        side = min(height, width) if self.scale_type == 'short' else max(height, width)
        aug_scale, aug_rot, dx, dy = self.draw_augmentation(side / 200, results.get('img_path'))
        scale = side / 200 * aug_scale
        center = np.array((width / 2, height / 2))
        center[0] += dx
        center[1] += dy

        masks, joints, output_matrices = [], [], []
        for size in self.output_sizes:
            matrix = affine_matrix(center, scale, size, aug_rot)
            people = results['people'].copy()
            people[:, :, 0:2] = affine_points(people[:, :, 0:2], matrix)
            masks.append(warp_loss_mask(results['loss_mask'], matrix, size))
            joints.append(people)
            output_matrices.append(matrix)
        input_matrix = affine_matrix(center, scale, self.input_size, aug_rot)
        results['img'] = cv2.warpAffine(results['img'], input_matrix, (self.input_size, self.input_size))

        results.update(masks=masks, joints=joints, input_size=self.input_size,
                       output_sizes=list(self.output_sizes), aug_scale=aug_scale, aug_rot=aug_rot,
                       translate=(dx, dy), input_matrix=input_matrix, output_matrices=output_matrices)
        return results
