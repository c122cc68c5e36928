"""The one drawing function: joints, limbs, boxes and scores where they belong, nothing where they don't."""
import numpy as np
import pytest

from higherhrnet.cli.drawing import draw_people

SKELETON = [[0, 1], [1, 2]]


def _person(score_of_last=0.9):
    return np.array([[[20, 20, 0.9], [60, 20, 0.8], [60, 60, score_of_last]]], dtype=np.float32)


def test_joints_and_limbs_are_drawn_and_the_input_is_untouched():
    image = np.zeros((80, 100, 3), np.uint8)
    drawn = draw_people(image, _person(), SKELETON)
    assert not image.any()
    assert drawn.shape == image.shape and drawn.dtype == np.uint8
    for x, y in ((20, 20), (60, 20), (60, 60), (40, 20), (60, 40)):  # joints and limb midpoints
        assert drawn[y, x].any(), (x, y)
    assert not drawn[70, 10].any() and not drawn[40, 30].any()


def test_low_score_joints_and_their_limbs_are_left_out():
    drawn = draw_people(np.zeros((80, 100, 3), np.uint8), _person(score_of_last=0.05), SKELETON, min_joint_score=0.1)
    assert drawn[20, 40].any()
    assert not drawn[60, 60].any() and not drawn[40, 60].any()


def test_boxes_and_scores():
    image = np.zeros((80, 100, 3), np.uint8)
    plain = draw_people(image, _person(), SKELETON)
    boxed = draw_people(image, _person(), SKELETON, bboxes=np.array([[10, 15, 70, 70]]), scores=np.array([0.77]))
    assert boxed[70, 40].any() and not plain[70, 40].any()  # the box's bottom edge
    assert (boxed[:15] != plain[:15]).any()  # the score above the box


def test_people_get_different_colours_and_no_people_is_fine():
    two = np.concatenate([_person(), _person() + [[[0, 10, 0]]]])
    drawn = draw_people(np.zeros((80, 100, 3), np.uint8), two, SKELETON)
    assert tuple(drawn[20, 20]) != tuple(drawn[30, 20])
    empty = np.zeros((0, 3, 3), np.float32)
    assert not draw_people(np.zeros((8, 8, 3), np.uint8), empty, SKELETON, bboxes=np.zeros((0, 4)),
                           scores=np.zeros(0)).any()


@pytest.mark.parametrize('image, keypoints, skeleton, extra, message', [
    (np.zeros((8, 8), np.uint8), np.zeros((1, 3, 3)), SKELETON, {}, 'H x W x 3'),
    (np.zeros((8, 8, 3), np.float32), np.zeros((1, 3, 3)), SKELETON, {}, 'uint8'),
    (np.zeros((8, 8, 3), np.uint8), np.zeros((3, 3)), SKELETON, {}, 'keypoints'),
    (np.zeros((8, 8, 3), np.uint8), np.zeros((1, 3, 3)), [[0, 3]], {}, 'skeleton'),
    (np.zeros((8, 8, 3), np.uint8), np.zeros((1, 3, 3)), SKELETON, {'bboxes': np.zeros((2, 4))}, 'bboxes'),
    (np.zeros((8, 8, 3), np.uint8), np.zeros((1, 3, 3)), SKELETON, {'scores': np.zeros(2)}, 'scores'),
])
def test_bad_input_is_refused(image, keypoints, skeleton, extra, message):
    with pytest.raises(ValueError, match=message):
        draw_people(image, keypoints, skeleton, **extra)
