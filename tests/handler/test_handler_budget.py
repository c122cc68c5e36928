"""handler.budget: a request's cost in network input megapixels, and the 413 that names the limit."""
import pytest

from higherhrnet.handler.budget import (DEFAULT_MAX_MEGAPIXELS, BatchClock, RequestLimits, check_cost,
                                        check_image_count, check_image_pixels, image_megapixels)
from higherhrnet.handler.errors import BadRequest

# The w32_512 test settings (registry/configs/_base_/higherhrnet.py).
W32_512 = {'input_size': 512, 'scale_factor': [1], 'flip_test': True, 'project2image': True}


def cfg(**options):
    return {**W32_512, **options}


def test_cost_is_the_network_input_pixels_over_scales_and_flip():
    # 640 x 480: short side 512, long side 682.7 padded up to a multiple of 64: 704
    assert image_megapixels(640, 480, cfg(flip_test=False)) == 704 * 512 / 1e6
    assert image_megapixels(640, 480, cfg()) == 2 * 704 * 512 / 1e6
    assert image_megapixels(480, 640, cfg()) == 2 * 704 * 512 / 1e6  # EXIF-rotated: same cost
    # [0.5, 1, 2]: sizes from the smallest scale's padding (384 x 256), then x2 and x4
    expected = 2 * (384 * 256 + 768 * 512 + 1536 * 1024) / 1e6
    assert image_megapixels(640, 480, cfg(scale_factor=[0.5, 1, 2])) == pytest.approx(expected)


def test_the_aggregated_maps_count_when_larger_than_the_network_inputs():
    # one scale of 0.002: a 128 x 64 network input, maps aggregated at the scale-1 size 64000 x 32000
    assert image_megapixels(640, 480, cfg(scale_factor=[0.002])) == 64000 * 32000 / 1e6


@pytest.mark.parametrize('scale', [0.001, 5e-324])
def test_a_scale_that_leaves_no_network_input_is_400(scale):
    # the operator's scale_factor 0.001: 0.001 x 512 pixels pads to an empty input
    with pytest.raises(BadRequest, match='too small: this model needs every scale to be at least 1/512') as error:
        image_megapixels(640, 480, cfg(scale_factor=[scale]))
    assert error.value.error_code == 400


def test_a_request_within_the_limit_passes_and_returns_its_cost():
    assert check_cost([(640, 480, cfg()), (1920, 1080, cfg())], RequestLimits()) == pytest.approx(
        (2 * 704 * 512 + 2 * 960 * 512) / 1e6)


@pytest.mark.parametrize('images, message', [
    ([(512, 16, cfg())], r'a 512 x 16 image at scale 1 with flip test needs 16\.78 network megapixels, '
                         r'over the limit of 2 by 14\.78'),
    ([(640, 480, cfg(scale_factor=[0.5, 1, 2]))], r'needs 4\.13 .* by 2\.13'),
    ([(640, 480, cfg(scale_factor=[1, 2, 3, 4]))], r'at scale 1, 2, 3, 4 with flip test'),
    ([(640, 480, cfg(scale_factor=[0.002]))], r'at scale 0\.002 with flip test needs 2048\.00'),
    ([(640, 480, cfg())] * 4, r'4 images, the costliest a 640 x 480 image .* needs 2\.88'),
])
def test_a_costly_request_is_413_saying_which_limit_and_by_how_much(images, message):
    with pytest.raises(BadRequest, match=message) as error:
        check_cost(images, RequestLimits(max_megapixels=DEFAULT_MAX_MEGAPIXELS))
    assert error.value.error_code == 413 and '\n' not in error.value.message


def test_too_elongated_for_the_network_is_400_in_width_x_height():
    with pytest.raises(BadRequest, match=r'image of 1000 x 16 pixels is too elongated: its network '
                                         r'input would be 32000 x 512') as error:
        check_cost([(1000, 16, cfg())], RequestLimits())
    assert error.value.error_code == 400


def test_too_many_images_is_413_before_any_is_decoded():
    check_image_count(8, RequestLimits(max_images=8))
    with pytest.raises(BadRequest, match='40 images in one request, over the limit of 8 by 32') as error:
        check_image_count(40, RequestLimits(max_images=8))
    assert error.value.error_code == 413


def test_the_pixel_limit_holds_for_all_images_of_a_request_together():
    check_image_pixels([(6000, 5000)], 40_000_000)
    with pytest.raises(BadRequest, match='the 2 images of this request have 60000000 pixels together, '
                                         'more than the limit of 40000000 by 20000000') as error:
        check_image_pixels([(6000, 5000), (6000, 5000)], 40_000_000)
    assert error.value.error_code == 413


def test_the_batch_clock_starts_work_only_while_its_estimate_fits_before_the_deadline():
    clock = BatchClock(response_timeout_s=100, seconds_per_megapixel=10.0)
    clock.start(now=0.0)  # the deadline is at 80 s: 0.8 of the timeout
    assert clock.fits(8.0, now=0.0) and not clock.fits(8.1, now=0.0)
    assert clock.fits(1.0, now=70.0) and not clock.fits(1.0, now=71.0)
    clock.record(megapixels=2.0, seconds=60.0)  # measured 30 s per MP: the estimate moves half-way
    assert clock.seconds_per_megapixel == 20.0


def test_the_batch_clock_cuts_the_work_into_chunks_it_can_check_between():
    clock = BatchClock(response_timeout_s=100, seconds_per_megapixel=1.0)
    clock.start(now=0.0)  # chunks of at most 2 s of work (0.02 of the timeout), deadline at 80 s
    assert clock.next_chunk([0.5, 0.5, 0.5, 0.5, 0.5], now=0.0) == 4
    assert clock.next_chunk([3.0, 0.5], now=0.0) == 1  # a costlier request is a chunk of its own
    assert clock.next_chunk([3.0], now=78.0) == 0  # no longer ends before the deadline
    assert clock.next_chunk([3.0, 0.5], now=78.0, first=True) == 1  # the batch's first one runs
    clock.record(megapixels=1.0, seconds=60.0)  # a stall: the rest of the batch is refused
    assert clock.next_chunk([0.5], now=70.0) == 0  # 15 s estimated for it
