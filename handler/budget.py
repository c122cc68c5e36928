"""The cost of one request, known before any pixel is decoded, and the limit it must stay under.

The network's time and memory grow with the pixels it is fed, so a request's cost is counted in
network input megapixels: for each of its images, the input size at every scale of its options
(``get_multi_scale_size``, the pipeline's own arithmetic), twice with the flip test. With
``project2image`` every scale's maps are resized to the scale-1 input size and grouped there; when
that size is the larger (a single scale below 1, e.g. ``scale_factor`` 0.002 on a 640 x 480 image
asks for 32000 x 64000 maps) it is the image's cost instead.

Why the default limit is 2 megapixels (w32_512 on the 2-core CPU of the project's machine, which
others share; ``torch.set_num_threads(2)``): a forward pass costs 2.2 to 3.1 s per input megapixel
(0.59 s for 512 x 512, 1.16 s for 1024 x 512, 3.2 s for 4096 x 256), and served end to end (decode,
network, aggregation, grouping of untrained weights) a full batch of 8 requests of 2.49 MP each took
78.5 s, i.e. 3.9 s per MP, with a worker peak of 2.3 GB (``bench/serve.py --worst-batch``). The
worst full batch at 2 MP, 8 (batchSize) x 2 MP x 3.9 s ~ 63 s, leaves responseTimeout (120 s) a
factor 1.9 for a busier machine. What that allows: a 640 x 480 or 1920 x 1080 image with the flip
test (0.72 / 0.98 MP), ``scale_factor [0.5, 1]`` with flip on 640 x 480 (0.98 MP), ``[1, 2]``
without flip (1.80 MP); ``[0.5, 1, 2]`` costs 2.06 MP without flip and 4.13 with it: refused. A GPU
does the same work many times faster: raise the limit there (README, "Limits").
"""
import math
from dataclasses import dataclass

from higherhrnet.model_def.inference.estimator import MAX_ASPECT_RATIO
from higherhrnet.model_def.inference.geometry import get_multi_scale_size

from .errors import BadRequest

DEFAULT_MAX_MEGAPIXELS = 2.0
# Seconds per network megapixel of w32_512 served end to end on 2 CPU cores (measured above).
CPU_SECONDS_PER_MEGAPIXEL = 3.9
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
                     f'limit of {limits.max_megapixels:g} by {total - limits.max_megapixels:.2f}; '
                     'use fewer or smaller scales, "flip_test": false or a less elongated image', 413)


def cpu_batch_overrun(batch_size, max_megapixels, response_timeout_s):
    """The warning for CPU settings under which a full batch of the costliest requests would run
    past ``responseTimeout`` at ``CPU_SECONDS_PER_MEGAPIXEL`` (None when it fits): the requests the
    batch clock then leaves out get 503 on a machine as fast as the measured one."""
    seconds = batch_size * max_megapixels * CPU_SECONDS_PER_MEGAPIXEL
    if seconds < response_timeout_s:
        return None
    return (f'batchSize {batch_size} x max_request_megapixels {max_megapixels:g} x '
            f'{CPU_SECONDS_PER_MEGAPIXEL} s per megapixel (w32_512 on 2 CPU cores) = {seconds:.0f} s, '
            f'not under responseTimeout {response_timeout_s} s: a full batch of the costliest requests '
            f'would not finish in time on a CPU; lower batchSize to '
            f'{math.ceil(response_timeout_s / (max_megapixels * CPU_SECONDS_PER_MEGAPIXEL)) - 1} or '
            f'max_request_megapixels to '
            f'{math.floor(100 * response_timeout_s / (batch_size * CPU_SECONDS_PER_MEGAPIXEL)) / 100:g}, '
            'or raise responseTimeout')


class BatchClock:
    """Whether more of a batch fits before TorchServe's ``responseTimeout`` kills the worker.

    The request limits bound a batch on a machine as fast as the one they were measured on; a
    busier one (other processes on the same cores) can be ten times slower, and a batch that
    overruns costs every request of it its answer and the service ~10 s of restart. Nothing can
    stop a network call that is already running, so the batch's work runs in small chunks (a few
    requests, or one) and the handler decides before each whether it still fits: it keeps the
    seconds one network megapixel takes on this worker (measured on its warm-up, then after every
    chunk) and starts a chunk only while its estimate ends before the deadline; the requests that
    do not fit get 503 (retry), those already computed their answers. The first request of a batch
    always runs, so every batch makes progress.
    """

    # Of responseTimeout: the deadline for starting work; the rest is a reserve for encoding, the
    # frontend, and a chunk that runs slower than estimated.
    SHARE = 0.8
    # Of responseTimeout: the most work (estimated) one chunk may hold. A chunk started just before
    # the deadline that then runs 10 times slower than estimated still ends within the reserve
    # (0.8 + 10 x 0.02 = 1). A request estimated above it is a chunk of its own (the pipeline's
    # smallest unit of work): on a CPU, where batching gains little, chunks are single requests;
    # on a GPU a whole batch usually fits in one.
    CHUNK_SHARE = 0.02

    def __init__(self, response_timeout_s, seconds_per_megapixel):
        self.budget_s = self.SHARE * response_timeout_s
        self.chunk_s = self.CHUNK_SHARE * response_timeout_s
        self.seconds_per_megapixel = seconds_per_megapixel
        self.deadline = None

    def start(self, now):
        self.deadline = now + self.budget_s

    def fits(self, megapixels, now):
        return now + self.estimate_s(megapixels) <= self.deadline

    def next_chunk(self, costs, now, first=False):
        """How many of the pending requests (``costs``: their network megapixels, in order) to start
        now as one chunk: as many as stay within ``chunk_s`` and fit before the deadline, at least
        one when ``first`` (the batch's progress); 0 when not even the next one fits."""
        count, megapixels = 0, 0.0
        for cost in costs:
            more = megapixels + cost
            if count and self.estimate_s(more) > self.chunk_s:
                break
            if not (first and not count) and not self.fits(more, now):
                break
            count, megapixels = count + 1, more
        return count

    def estimate_s(self, megapixels):
        return megapixels * self.seconds_per_megapixel

    def record(self, megapixels, seconds):
        """Blend a measured chunk into the estimate (half each: follows a machine that slows down
        within two chunks, without trusting one outlier)."""
        if megapixels > 0:
            self.seconds_per_megapixel = 0.5 * self.seconds_per_megapixel + 0.5 * seconds / megapixels
