"""The one drawing function: joints, limbs, boxes and scores where they belong, nothing where they don't."""
import numpy as np
import pytest

from higherhrnet.cli.drawing import UNTRAINED_NOTE, draw_people, text_origin

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


def test_untrained_note_is_written_on_the_picture():
    image = np.full((80, 200, 3), 128, np.uint8)
    no_people = np.zeros((0, 3, 3), np.float32)
    assert (draw_people(image, no_people, SKELETON) == 128).all()
    noted = draw_people(image, no_people, SKELETON, notes=[UNTRAINED_NOTE])
    band = noted[:20, :120]
    # white letters on a black band at the top-left, the rest of the picture untouched
    assert (band == 0).all(axis=2).sum() > 500 and (band == 255).all(axis=2).sum() > 30
    assert (noted[30:] == 128).all() and (noted[:, 150:] == 128).all()


def _label_pixels(image_size, joint, score=0.87):
    """Lit pixels of the score label of one person whose only visible joint is at ``joint``."""
    width, height = image_size
    person = np.array([[[*joint, 0.9], [0, 0, 0.0], [0, 0, 0.0]]], dtype=np.float32)
    return int(draw_people(np.zeros((height, width, 3), np.uint8), person, SKELETON, scores=[score]).any(axis=2).sum())


@pytest.mark.parametrize('joint', [(-50, -50), (150, 130)])
def test_score_labels_of_joints_outside_the_picture_lie_fully_inside(joint):
    import cv2
    # The joint itself is outside (not drawn): every lit pixel is the label's, and it must be the whole
    # label: as many pixels as the same text (scale 0.4, thickness 1 on a 100 x 80 picture) written in
    # the middle of a roomy one.
    roomy = np.zeros((200, 200, 3), np.uint8)
    cv2.putText(roomy, '0.87', (80, 100), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
    whole_label = int(roomy.any(axis=2).sum())
    assert whole_label > 50
    assert _label_pixels((100, 80), joint) == whole_label


def test_text_origin_keeps_the_whole_text_box_inside():
    import cv2
    for anchor in ((-50, -50), (150, 130), (1000, -3), (50, 40)):
        x, y = text_origin('0.87', anchor, (80, 100, 3), 0.4, 1)
        (width, height), baseline = cv2.getTextSize('0.87', cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1)
        assert 0 <= x and x + width < 100 and 0 <= y - height and y + baseline < 80, anchor
