"""Counts and rates as the commands print them."""
from higherhrnet.cli.wording import counted, frame_rate


def test_one_of_a_thing_is_singular():
    assert counted(1, 'image') == '1 image'
    assert counted(0, 'image') == '0 images'
    assert counted(1, 'person', 'people') == '1 person'
    assert counted(3, 'person', 'people') == '3 people'


def test_a_slow_model_shows_seconds_per_frame_not_zero_fps():
    assert frame_rate(12.34) == '12.3 FPS'
    assert frame_rate(1.0) == '1.0 FPS'
    assert frame_rate(0.04) == '25.0 s per frame'  # was "0.0 FPS"
