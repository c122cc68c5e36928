"""The cost of one request, known before any pixel is decoded, and the limit it must stay under.

The network's time and memory grow with the pixels it is fed, so a request's cost is counted in
network input megapixels: for each of its images, the input size at every scale of its options
(``get_multi_scale_size``, the pipeline's own arithmetic), twice with the flip test. With
``project2image`` every scale's maps are resized to the scale-1 input size and grouped there; when
that size is the larger (a single scale below 1, e.g. ``scale_factor`` 0.002 on a 640 x 480 image
asks for 32000 x 64000 maps) it is the image's cost instead.

Why the default limit is 2.5 megapixels (w32_512, measured with ``torch.set_num_threads(2)`` on the
2-core CPU of the project's machine, which others share): one forward pass costs 2.2 to 3.1 s per
input megapixel (0.59 s for 512 x 512, 1.16 s for 1024 x 512, 3.2 s for 4096 x 256); aggregation and
grouping add ~10%. A full TorchServe batch of the worst allowed requests, 8 (batchSize) x 2.5 MP =
20 MP, then takes 8 x 2.5 x 3.4 s ~ 68 s on a quiet machine, under responseTimeout (120 s) with
room for a busy one; the largest tensors of a 2.5 MP request stay below 2 GB. What that allows: a
640 x 480 or 1920 x 1080 image with the flip test (0.72 / 0.98 MP), ``scale_factor [0.5, 1]`` with
flip (0.98 MP) or ``[0.5, 1, 2]`` without (2.06 MP) on 640 x 480; ``[0.5, 1, 2]`` with flip (4.13 MP)
is refused. A GPU does the same work ~50x faster: raise the limit there (README, "Limits").
"""
from dataclasses import dataclass

from higherhrnet.model_def.estimator import MAX_ASPECT_RATIO
from higherhrnet.model_def.transforms import get_multi_scale_size

from .errors import BadRequest

DEFAULT_MAX_MEGAPIXELS = 2.5
# A KServe body is refused above this many instances before any of them is decoded; batchSize, so
# that one body is never more than a batch of single requests.
DEFAULT_MAX_IMAGES = 8


@dataclass(frozen=True)
class RequestLimits:
    """What one request may ask for (the ``handler`` section of the archive's model-config.yaml)."""

    max_megapixels: float = DEFAULT_MAX_MEGAPIXELS
    max_images: int = DEFAULT_MAX_IMAGES


def image_megapixels(width, height, test_cfg):
    """Cost of one ``width x height`` image under ``test_cfg`` (the config's test settings with the
    request's options applied), in network input megapixels; ``BadRequest`` (400) for an image too
    elongated for the network or a scale too small to give it any input."""
    scales, input_size = list(test_cfg['scale_factor']), test_cfg['input_size']
    min_scale = min(scales)
    if min_scale * input_size < 1:
        # the pipeline would pad 0 pixels to a multiple of 64: an empty network input
        raise BadRequest(f'scale {min_scale:g} is too small: this model needs every scale to be at '
                         f'least 1/{input_size} ({1 / input_size:.5f})')
    sizes = [get_multi_scale_size(height, width, input_size, scale, min_scale)[0] for scale in scales]
    for w, h in sizes:
        if max(w, h) > MAX_ASPECT_RATIO * min(w, h):
            raise BadRequest(f'image of {width} x {height} pixels is too elongated: its network input '
                             f'would be {w} x {h}; the long side may be at most {MAX_ASPECT_RATIO} '
                             'times the short side')
    network = sum(w * h for w, h in sizes) * (2 if test_cfg['flip_test'] else 1)
    unit_w, unit_h = get_multi_scale_size(height, width, input_size, 1.0, min_scale)[0]
    maps = unit_w * unit_h if test_cfg['project2image'] else 0
    return max(network, maps) / 1e6


def _describe(width, height, test_cfg):
    scales = ', '.join(f'{scale:g}' for scale in test_cfg['scale_factor'])
    flip = 'with' if test_cfg['flip_test'] else 'without'
    return f'a {width} x {height} image at scale {scales} {flip} flip test'


def check_image_count(count, limits):
    """Refuse a request of more images than ``limits.max_images`` before any of them is decoded."""
    if count > limits.max_images:
        raise BadRequest(f'{count} images in one request, over the limit of {limits.max_images} by '
                         f'{count - limits.max_images}; send them in several requests', 413)


def check_image_pixels(sizes, max_pixels):
    """Refuse a request whose images hold more than ``max_pixels`` together (decoded, 3 bytes each:
    40 megapixels are 120 MB, so a full batch of such requests holds about 1 GB of pixels)."""
    total = sum(width * height for width, height in sizes)
    if len(sizes) > 1 and total > max_pixels:
        raise BadRequest(f'the {len(sizes)} images of this request have {total} pixels together, more '
                         f'than the limit of {max_pixels} by {total - max_pixels}', 413)


def check_cost(images, limits):
    """Refuse a request whose cost is over ``limits.max_megapixels``, saying by how much; returns
    the cost (megapixels) otherwise.

    ``images``: one ``(width, height, test_cfg)`` per image of the request.
    """
    costs = [image_megapixels(*image) for image in images]
    total = sum(costs)
    if total <= limits.max_megapixels:
        return total
    what = _describe(*images[costs.index(max(costs))])
    if len(images) > 1:
        what = f'{len(images)} images, the costliest {what},'
    raise BadRequest(f'request too costly: {what} needs {total:.2f} network megapixels, over the '
                     f'limit of {limits.max_megapixels:g} by {total - limits.max_megapixels:.2f}; use fewer or smaller scales, "flip_test": false '
                     'or a less elongated image', 413)
