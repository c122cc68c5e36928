"""The error a training sample raises when it cannot be drawn."""


class UnusableSampleError(ValueError):
    """A training sample that cannot be drawn: an unreadable image file, an image too small for the
    random translation, more people with visible joints than ``max_num_people``.

    The message names the image and the reason. The training datasets catch it, log one warning
    and draw another sample (mmengine's refetch); in test mode it propagates.
    """
