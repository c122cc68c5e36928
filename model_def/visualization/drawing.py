"""Drawing people (joints, skeleton limbs, boxes, scores) on an image: the one picture every tool makes."""
import cv2
import numpy as np

# BGR colours, one per person (cycled), distinct enough on photos and on black borders.
PERSON_COLOURS = (
    (0, 0, 255), (0, 200, 0), (255, 80, 0), (0, 200, 255), (255, 0, 200),
    (200, 200, 0), (120, 0, 255), (0, 128, 255), (255, 160, 160), (80, 255, 160),
)
FONT = cv2.FONT_HERSHEY_SIMPLEX
UNTRAINED_NOTE = 'untrained weights'


def text_origin(text, anchor, image_shape, scale, thickness):
    """Where cv2.putText must start ``text`` (its bottom-left corner, x before y) to write it just above
    ``anchor`` while its whole box (glyphs, descenders and stroke) stays inside the image.

    Anchors come from joints and boxes, which may lie outside the picture (a person at the border,
    joints of score 0 far out): the label moves in instead of being cut. A picture smaller than the
    text keeps its top-left part.
    """
    (width, height), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    margin = thickness  # the stroke and anti-aliasing reach about this far beyond getTextSize's box
    image_height, image_width = image_shape[:2]
    # clamped to the picture; where the text is wider (taller) than it, the left (top) bound wins
    x = max(min(int(anchor[0]), image_width - width - margin), margin)
    y = max(min(int(anchor[1]), image_height - baseline - margin), height + margin)
    return x, y


def put_label(canvas, text, anchor, colour, scale, thickness):
    """``text`` written at ``anchor``, moved inside the picture (see ``text_origin``)."""
    origin = text_origin(text, anchor, canvas.shape, scale, thickness)
    cv2.putText(canvas, text, origin, FONT, scale, colour, thickness, cv2.LINE_AA)


def put_notes(canvas, notes, unit):
    """Lines of white text on a dark band at the top-left (e.g. "untrained weights", the frame rate),
    readable on any picture."""
    scale, thickness = 0.5 * unit, unit
    y = 0
    for note in notes:
        (width, height), baseline = cv2.getTextSize(note, FONT, scale, thickness)
        line_height = height + baseline + 4 * thickness
        cv2.rectangle(canvas, (0, y), (width + 4 * thickness, y + line_height), (0, 0, 0), -1)
        cv2.putText(canvas, note, (2 * thickness, y + height + 2 * thickness), FONT, scale, (255, 255, 255),
                    thickness, cv2.LINE_AA)
        y += line_height


def _bgr(rgb_colours, count, what):
    """The dataset-info file's RGB colours as OpenCV's BGR tuples (None when not given)."""
    if rgb_colours is None or len(rgb_colours) == 0:
        return None
    if len(rgb_colours) != count:
        raise ValueError(f'{what}: {len(rgb_colours)} colours for {count} entries')
    return [tuple(int(c) for c in reversed(list(colour))) for colour in rgb_colours]


def draw_people(image, keypoints, skeleton, *, bboxes=None, scores=None, min_joint_score=0.1, notes=(),
                keypoint_colors=None, link_colors=None):
    """A copy of ``image`` with every person's joints and skeleton limbs, optionally boxes, scores and
    notes.

    image: H x W x 3 uint8 BGR. keypoints: [P, K, 3] (x, y, score) in image pixels, x before y.
    skeleton: [i, j] pairs of 0-based joint indices (``dataset_meta['skeleton']``).
    bboxes: optional [P, 4] (x1, y1, x2, y2); scores: optional [P], written at the box's (or the
    person's) top-left corner. Joints with score <= ``min_joint_score`` are not drawn, nor any limb
    touching one: the network leaves undetected joints at score 0 with meaningless coordinates.
    Score labels stay inside the picture. notes: lines written on a dark band at the top-left, e.g.
    ``UNTRAINED_NOTE`` for the poses of untrained weights (they must not pass for real results).
    keypoint_colors, link_colors: RGB per joint and per skeleton limb, as the keypoint set's
    dataset-info file gives them (``dataset_meta['keypoint_colors']`` / ``['skeleton_link_colors']``);
    then limbs and joint dots take those colours and each person's colour rings its joints, box and
    score. Without them everything of a person is drawn in the person's colour.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'image must be an H x W x 3 uint8 array, got {image.dtype} {image.shape}')
    keypoints = np.asarray(keypoints, dtype=np.float32)
    if keypoints.ndim != 3 or keypoints.shape[2] < 3:
        raise ValueError(f'keypoints must have shape [people, joints, 3], got {keypoints.shape}')
    num_people, num_joints = keypoints.shape[:2]
    for name, values, width in (('bboxes', bboxes, 4), ('scores', scores, None)):
        if values is not None:
            expected = (num_people, width) if width else (num_people,)
            if np.shape(values) != expected:
                raise ValueError(f'{name} must have shape {expected}, got {np.shape(values)}')
    for limb in skeleton:
        if len(limb) != 2 or not all(0 <= j < num_joints for j in limb):
            raise ValueError(f'skeleton limb {limb} is not a pair of joint indices below {num_joints}')
    joint_colours = _bgr(keypoint_colors, num_joints, 'keypoint_colors')
    limb_colours = _bgr(link_colors, len(skeleton), 'link_colors')

    canvas = image.copy()
    # Line widths and radii follow the picture size so thumbnails and 4K frames both stay readable.
    unit = max(1, round(max(image.shape[:2]) / 400))
    for p in range(num_people):
        colour = PERSON_COLOURS[p % len(PERSON_COLOURS)]
        xy = np.round(keypoints[p, :, :2]).astype(np.int64)
        visible = keypoints[p, :, 2] > min_joint_score
        for limb, (i, j) in enumerate(skeleton):
            if visible[i] and visible[j]:
                cv2.line(canvas, tuple(map(int, xy[i])), tuple(map(int, xy[j])),
                         limb_colours[limb] if limb_colours else colour, 2 * unit, cv2.LINE_AA)
        for k in np.flatnonzero(visible):
            centre = tuple(map(int, xy[k]))
            if joint_colours:
                cv2.circle(canvas, centre, 2 * unit + 2, colour, -1, cv2.LINE_AA)
                cv2.circle(canvas, centre, 2 * unit, joint_colours[k], -1, cv2.LINE_AA)
            else:
                cv2.circle(canvas, centre, 2 * unit + 1, colour, -1, cv2.LINE_AA)
        if bboxes is not None:
            x1, y1, x2, y2 = (int(round(float(v))) for v in bboxes[p])
            cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, unit)
        if scores is not None:
            if bboxes is not None:
                anchor = (int(round(float(bboxes[p][0]))), int(round(float(bboxes[p][1]))))
            elif visible.any():
                anchor = tuple(int(v) for v in xy[visible].min(axis=0))
            else:
                continue
            put_label(canvas, f'{float(scores[p]):.2f}', (anchor[0], anchor[1] - 3 * unit), colour, 0.4 * unit, unit)
    put_notes(canvas, notes, unit)
    return canvas
