"""A seeded synthetic keypoint dataset: stick figures (the 9-joint keypoint set of ``stick_figure.py``)
on textured backgrounds, in the COCO keypoint format.

Every image (160 x 128 px, JPEG) has a background of one of three textures (a two-colour gradient,
stripes at a random angle and period, smooth blotches of random colour) with pixel noise, and 2 to
4 figures, each 40 to 72 px tall, in its own saturated colour with a dark outline, turned by up to
+-30 degrees, arms, thighs and shins at random angles. Joints are visible by construction: the head
is a disc, the hands small squares, the knees small discs, the feet short bars; neck and hip are
where the limbs meet. About one figure in six is placed across the image border (27 % of the kept
figures end up with joints outside: they find room more easily); joints outside the image are
unlabelled (x, y, v = 0, 0, 0), and a figure keeps at least 3 joints inside. Figures
overlap little (their boxes at most 15 % of the smaller one). The point is to show that training
learns, not to make a hard dataset.

Annotations (``annotations/{train,val}.json``): per figure ``keypoints`` [x, y, v] * 9 (v = 2 for
every joint inside the image), ``num_keypoints``, ``bbox`` (the visible joints, padded by the head's
radius), ``area`` (that box's area: the OKS scale), ``iscrowd`` 0; the category carries the keypoint
names and the 1-based skeleton, as COCO's does. Images under ``images/{train,val}/``. The same seed
writes the same files.
"""
import json
import math
from pathlib import Path

import cv2
import numpy as np

from higherhrnet.model_def.keypoint_sets import parse_pose_metainfo

KEYPOINT_SET_FILE = Path(__file__).resolve().with_name('stick_figure.py')
IMAGE_WIDTH, IMAGE_HEIGHT = 160, 128
FIGURE_HEIGHTS = (40, 72)     # px, from the head's top to the feet when standing straight
FIGURES_PER_IMAGE = (2, 4)
MAX_TILT = 30                 # degrees either way
ACROSS_BORDER = 0.15          # share of figures placed across the image border
MIN_VISIBLE_JOINTS = 3
MAX_BOX_OVERLAP = 0.15        # intersection / the smaller box


def keypoint_set():
    """(keypoint names, skeleton as 0-based index pairs) of ``stick_figure.py``."""
    meta = parse_pose_metainfo(dict(from_file=str(KEYPOINT_SET_FILE)))
    return meta['keypoint_names'], meta['skeleton']


def figure_joints(rng, names):
    """Joint positions [K, 2] of one figure in its own frame: neck at the origin, unit height, y down,
    the figure's left at +x. Limb angles are drawn per side, so the pose is not symmetric."""
    joints = {'neck': (0.0, 0.0), 'head': (0.0, -0.24), 'hip': (0.0, 0.36)}
    for side, sign in (('left', 1.0), ('right', -1.0)):
        arm = math.radians(rng.uniform(-50, 60))          # from horizontal, positive = hanging down
        joints[f'{side}_hand'] = (sign * 0.36 * math.cos(arm), 0.36 * math.sin(arm))
        thigh = math.radians(rng.uniform(5, 40))           # from vertical, outwards
        knee = (sign * 0.28 * math.sin(thigh), 0.36 + 0.28 * math.cos(thigh))
        joints[f'{side}_knee'] = knee
        shin = math.radians(rng.uniform(-15, 30))
        joints[f'{side}_foot'] = (knee[0] + sign * 0.28 * math.sin(shin), knee[1] + 0.28 * math.cos(shin))
    return np.array([joints[name] for name in names])


def place_figure(rng, names):
    """Image coordinates [K, 2] and height (px) of one figure: scaled, tilted, moved to a random spot
    (across the border for a share ``ACROSS_BORDER`` of them)."""
    height = rng.uniform(*FIGURE_HEIGHTS)
    tilt = math.radians(rng.uniform(-MAX_TILT, MAX_TILT))
    rotation = np.array([[math.cos(tilt), -math.sin(tilt)], [math.sin(tilt), math.cos(tilt)]])
    points = figure_joints(rng, names) * height @ rotation.T
    points -= points.mean(axis=0)
    if rng.random() < ACROSS_BORDER:  # the centre within a third of the height of one border
        reach = height / 3
        centre = rng.uniform([0, 0], [IMAGE_WIDTH, IMAGE_HEIGHT])
        axis = rng.integers(2)
        centre[axis] = rng.uniform(-reach, reach) + rng.integers(2) * (IMAGE_WIDTH, IMAGE_HEIGHT)[axis]
    else:  # every joint at least a tenth of the height inside
        pad = 0.1 * height
        centre = rng.uniform(pad - points.min(axis=0), np.array([IMAGE_WIDTH, IMAGE_HEIGHT]) - pad - points.max(axis=0))
    return points + centre, height


def inside_image(points):
    return (points[:, 0] >= 0) & (points[:, 1] >= 0) & (points[:, 0] < IMAGE_WIDTH) & (points[:, 1] < IMAGE_HEIGHT)


def visible_box(points, visible, height):
    """(x, y, w, h) of the visible joints, padded by the head's radius and clipped to the image."""
    pad = 0.1 * height
    x0, y0 = np.maximum(points[visible].min(axis=0) - pad, 0)
    x1, y1 = np.minimum(points[visible].max(axis=0) + pad, (IMAGE_WIDTH, IMAGE_HEIGHT))
    return np.array([x0, y0, x1 - x0, y1 - y0])


def overlap(box, other):
    """Intersection of two (x, y, w, h) boxes over the smaller one's area."""
    w = min(box[0] + box[2], other[0] + other[2]) - max(box[0], other[0])
    h = min(box[1] + box[3], other[1] + other[3]) - max(box[1], other[1])
    return max(w, 0) * max(h, 0) / min(box[2] * box[3], other[2] * other[3])


def background(rng):
    """A textured BGR background: gradient, stripes or blotches between two muted colours, plus noise."""
    colours = rng.uniform(30, 220, size=(2, 3))
    y, x = np.mgrid[0:IMAGE_HEIGHT, 0:IMAGE_WIDTH].astype(np.float64)
    angle = rng.uniform(0, math.pi)
    along = x * math.cos(angle) + y * math.sin(angle)
    kind = rng.integers(3)
    if kind == 0:
        mix = (along - along.min()) / (along.max() - along.min())
    elif kind == 1:
        mix = 0.5 + 0.5 * np.sin(2 * math.pi * along / rng.uniform(6, 24))
    else:
        coarse = rng.random((IMAGE_HEIGHT // 16 + 1, IMAGE_WIDTH // 16 + 1))
        mix = cv2.resize(coarse, (IMAGE_WIDTH, IMAGE_HEIGHT), interpolation=cv2.INTER_CUBIC).clip(0, 1)
    image = colours[0] * (1 - mix[..., None]) + colours[1] * mix[..., None]
    image += rng.normal(0, 8, image.shape)
    return image.clip(0, 255).astype(np.uint8)


def draw_figure(image, points, height, colour, names, skeleton):
    """Limbs as thick lines, a disc for the head, squares for the hands, discs for the knees and bars
    for the feet, each in ``colour`` over a dark outline."""
    joint = {name: points[k] for k, name in enumerate(names)}
    thickness = max(2, round(height / 14))
    shift = 4  # OpenCV's fixed-point coordinates: sub-pixel positions, 1/16 px

    def pt(p):
        return tuple(int(round(v * 16)) for v in p)

    for outline, paint in ((2, (20, 20, 20)), (0, colour)):
        for a, b in skeleton:
            cv2.line(image, pt(points[a]), pt(points[b]), paint, thickness + outline, cv2.LINE_AA, shift)
        cv2.circle(image, pt(joint['head']), int(16 * (0.1 * height + outline / 2)), paint, -1, cv2.LINE_AA, shift)
        for side in ('left', 'right'):
            cv2.circle(image, pt(joint[f'{side}_knee']), int(16 * (0.045 * height + outline / 2)), paint, -1,
                       cv2.LINE_AA, shift)
            half = 0.045 * height + outline / 2
            hand = joint[f'{side}_hand']
            cv2.rectangle(image, pt(hand - half), pt(hand + half), paint, -1, cv2.LINE_AA, shift)
            foot = joint[f'{side}_foot']
            toe = foot + [math.copysign(0.1 * height, foot[0] - joint['hip'][0]), 0]  # pointing outwards
            cv2.line(image, pt(foot), pt(toe), paint, thickness + 1 + outline, cv2.LINE_AA, shift)
    return image


def figure_colour(rng):
    hsv = np.uint8([[[rng.integers(180), rng.integers(170, 256), rng.integers(190, 256)]]])
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])


def synthetic_image(rng, names, skeleton):
    """(BGR image, [(keypoints [K, 3], bbox, area)]) of one image."""
    image = background(rng)
    figures = []
    for _ in range(rng.integers(FIGURES_PER_IMAGE[0], FIGURES_PER_IMAGE[1] + 1)):
        for _attempt in range(50):
            points, height = place_figure(rng, names)
            visible = inside_image(points)
            if visible.sum() < MIN_VISIBLE_JOINTS:
                continue
            box = visible_box(points, visible, height)
            if all(overlap(box, other[1]) <= MAX_BOX_OVERLAP for other in figures):
                break
        else:
            continue  # no room left for another figure
        draw_figure(image, points, height, figure_colour(rng), names, skeleton)
        keypoints = np.zeros((len(names), 3))
        keypoints[visible] = np.concatenate([points[visible], np.full((visible.sum(), 1), 2.0)], axis=1)
        figures.append((keypoints, box, float(box[2] * box[3])))
    return image, figures


def write_split(root, split, num_images, rng, first_image_id=1):
    """``num_images`` images under ``root/images/<split>/`` and ``root/annotations/<split>.json``."""
    names, skeleton = keypoint_set()
    root = Path(root)
    (root / 'images' / split).mkdir(parents=True, exist_ok=True)
    (root / 'annotations').mkdir(parents=True, exist_ok=True)
    file = {'images': [], 'annotations': [],
            'categories': [{'id': 1, 'name': 'stick_figure', 'supercategory': 'figure', 'keypoints': names,
                            'skeleton': [[a + 1, b + 1] for a, b in skeleton]}]}
    for image_id in range(first_image_id, first_image_id + num_images):
        image, figures = synthetic_image(rng, names, skeleton)
        file_name = f'{image_id:06d}.jpg'
        cv2.imwrite(str(root / 'images' / split / file_name), image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        file['images'].append({'id': image_id, 'file_name': file_name, 'width': IMAGE_WIDTH, 'height': IMAGE_HEIGHT})
        for keypoints, box, area in figures:
            file['annotations'].append({
                'id': len(file['annotations']) + 1, 'image_id': image_id, 'category_id': 1, 'iscrowd': 0,
                'keypoints': [round(float(v), 2) for v in keypoints.reshape(-1)],
                'num_keypoints': int((keypoints[:, 2] > 0).sum()),
                'bbox': [round(float(v), 2) for v in box], 'area': round(area, 2)})
    path = root / 'annotations' / f'{split}.json'
    path.write_text(json.dumps(file))
    return path


def write_dataset(root, num_train, num_val, seed):
    """The training and held-out splits under ``root`` from one seed (held-out image ids follow the
    training ones). Returns (train annotation path, held-out annotation path)."""
    rng = np.random.default_rng(seed)
    train = write_split(root, 'train', num_train, rng)
    val = write_split(root, 'val', num_val, rng, first_image_id=num_train + 1)
    return train, val
