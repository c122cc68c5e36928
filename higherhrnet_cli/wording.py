"""Counts and rates in the commands' messages, worded for a reader: "1 image", "2 images",
"2.5 FPS", "25.0 s per frame"."""


def counted(number, singular, plural=None):
    """``number`` and the noun that goes with it (``plural`` defaults to ``singular`` + s)."""
    return f'{number} {singular if number == 1 else plural or singular + "s"}'


def frame_rate(frames_per_second):
    """Frames per second from 1 up; below, seconds per frame (a CPU taking 25 s a frame would
    otherwise show "0.0 FPS")."""
    if frames_per_second >= 1:
        return f'{frames_per_second:.1f} FPS'
    return f'{1 / max(frames_per_second, 1e-9):.1f} s per frame'
