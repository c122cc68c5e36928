"""Small COCO-format keypoint datasets for the tests: template people, annotation files, and images with
the people drawn in them (for training and evaluation runs that need no downloaded data).

Three keypoint sets: COCO's 17 joints, CrowdPose's 14, and ``widget``, a 7-joint figure of our own
described by a dataset-info file in mmpose's format (``write_widget_info``), for the tests of keypoint
sets other than the shipped ones."""
import json
from pathlib import Path

import cv2
import numpy as np

# A standing person in a 64-unit box (x, y): nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles.
_COCO_TEMPLATE = np.array([
    [32, 6], [29, 4], [35, 4], [26, 6], [38, 6], [22, 16], [42, 16], [18, 28], [46, 28], [16, 40],
    [48, 40], [26, 40], [38, 40], [26, 52], [38, 52], [26, 63], [38, 63]], dtype=np.float64)
# CrowdPose order: l/r shoulder, elbow, wrist, hip, knee, ankle, head top, neck.
_CROWDPOSE_TEMPLATE = np.concatenate([_COCO_TEMPLATE[5:], [[32, 0], [32, 11]]])
# Limbs drawn between COCO joints (0-based): arms, legs, torso, head to shoulders.
_COCO_LIMBS = [(5, 7), (7, 9), (6, 8), (8, 10), (11, 13), (13, 15), (12, 14), (14, 16), (5, 6), (11, 12),
               (5, 11), (6, 12), (0, 5), (0, 6)]
# The widget: a top, two arms with hands, two feet (left and right swap under a flip).
WIDGET_JOINTS = ('top', 'left_arm', 'right_arm', 'left_hand', 'right_hand', 'left_foot', 'right_foot')
WIDGET_LINKS = (('top', 'left_arm'), ('top', 'right_arm'), ('left_arm', 'left_hand'), ('right_arm', 'right_hand'),
                ('top', 'left_foot'), ('top', 'right_foot'))
_WIDGET_TEMPLATE = np.array([[32, 6], [14, 24], [50, 24], [6, 40], [58, 40], [22, 62], [42, 62]], dtype=np.float64)
TEMPLATES = {'coco': _COCO_TEMPLATE, 'crowdpose': _CROWDPOSE_TEMPLATE, 'widget': _WIDGET_TEMPLATE}
LIMBS = {'coco': _COCO_LIMBS,
         'crowdpose': [(a - 5, b - 5) for a, b in _COCO_LIMBS if min(a, b) >= 5],
         'widget': [(WIDGET_JOINTS.index(a), WIDGET_JOINTS.index(b)) for a, b in WIDGET_LINKS]}


def write_dataset_info(path, dataset_name, joints, links, *, sigmas=None, joint_weights='[1.] * {k}', extra=''):
    """A dataset-info file written the way mmpose writes its own (integer keys, ``type`` and ``swap`` on
    every joint, ``joint_weights`` as an expression, ``sigmas=[]`` allowed, other top-level entries
    beside ``dataset_info``). joints: (name, swap) pairs; links: (name, name) pairs."""
    lines = ['dataset_info = dict(', f'    dataset_name={dataset_name!r},',
             "    paper_info=dict(author='the tests', title='a keypoint set', container='', year='2026', homepage=''),",
             '    keypoint_info={']
    for k, (name, swap) in enumerate(joints):
        lines.append(f"        {k}:\n        dict(name={name!r}, id={k}, color=[{40 * k % 256}, 128, 255], type='', swap={swap!r}),")
    lines.append('    },')
    lines.append('    skeleton_info={')
    for i, (a, b) in enumerate(links):
        lines.append(f'        {i}: dict(link=({a!r}, {b!r}), id={i}, color=[255, {30 * i % 256}, 0]),')
    lines.append('    },')
    lines.append(f'    joint_weights={joint_weights.format(k=len(joints))},')
    lines.append(f'    sigmas={[] if sigmas is None else list(sigmas)!r})')
    Path(path).write_text('\n'.join(lines) + '\n' + extra)
    return Path(path)


def write_widget_info(path, sigmas=(0.05,) * len(WIDGET_JOINTS)):
    """The widget's dataset-info file."""
    swaps = {name: name.replace('left', 'RIGHT').replace('right', 'left').replace('RIGHT', 'right')
             for name in WIDGET_JOINTS}
    joints = [(name, swaps[name] if swaps[name] != name else '') for name in WIDGET_JOINTS]
    return write_dataset_info(path, 'widget', joints, WIDGET_LINKS, sigmas=sigmas)


def people_keypoints(dataset, boxes):
    """Ground-truth joints [P, K, 3] (x, y, visibility 2) of template people scaled into (x, y, size) boxes."""
    template = TEMPLATES[dataset]
    people = [np.concatenate([template * size / 64 + [x, y], np.full((len(template), 1), 2.0)], axis=1)
              for x, y, size in boxes]
    return np.array(people)


def _uncompressed_rle(mask):
    """COCO's uncompressed RLE of a 0/1 mask: run lengths in column-major order, starting with zeros."""
    flat = mask.flatten(order='F').astype(np.int64)
    changes = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], changes, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat[0] == 1:
        counts = [0] + counts
    return {'counts': counts, 'size': list(mask.shape)}


def write_annotations(path, dataset, images, crowd_regions=None):
    """A COCO-format keypoint annotation file. images: list of (id, file_name, width, height, keypoints [P, K, 3]);
    crowd_regions: image id -> (x, y, w, h) of an ``iscrowd`` region (an RLE without keypoints).

    CrowdPose files carry what its toolkit reads: ``crowdIndex`` per image, no ``area``.
    """
    num_joints = len(TEMPLATES[dataset])
    file = {'images': [], 'annotations': [],
            'categories': [{'id': 1, 'name': 'person', 'supercategory': 'person',
                            'keypoints': [f'joint{k}' for k in range(num_joints)], 'skeleton': []}]}
    for image_id, file_name, width, height, keypoints in images:
        entry = {'id': image_id, 'file_name': file_name, 'width': width, 'height': height}
        if dataset == 'crowdpose':
            entry['crowdIndex'] = 0.5
        file['images'].append(entry)
        for person in keypoints:
            x0, y0 = person[:, :2].min(axis=0)
            x1, y1 = person[:, :2].max(axis=0)
            annotation = {'id': len(file['annotations']) + 1, 'image_id': image_id, 'category_id': 1,
                          'iscrowd': 0, 'keypoints': person.reshape(-1).tolist(),
                          'num_keypoints': int((person[:, 2] > 0).sum()),
                          'bbox': [float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                          'segmentation': [[float(x0), float(y0), float(x1), float(y0), float(x1), float(y1),
                                            float(x0), float(y1)]]}
            if dataset != 'crowdpose':
                annotation['area'] = float((x1 - x0) * (y1 - y0))
            file['annotations'].append(annotation)
        if crowd_regions and image_id in crowd_regions:
            x, y, w, h = crowd_regions[image_id]
            mask = np.zeros((height, width), np.uint8)
            mask[y:y + h, x:x + w] = 1
            file['annotations'].append({
                'id': len(file['annotations']) + 1, 'image_id': image_id, 'category_id': 1, 'iscrowd': 1,
                'keypoints': [0] * (3 * num_joints), 'num_keypoints': 0, 'bbox': [x, y, w, h],
                'area': float(w * h), 'segmentation': _uncompressed_rle(mask)})
    path.write_text(json.dumps(file))
    return path


def draw_people(image, keypoints, dataset):
    """Draw each person's limbs and joints (in place) so that a network has something to learn."""
    limbs = LIMBS[dataset]
    for person in keypoints:
        points = [tuple(int(round(v)) for v in joint[:2]) for joint in person]
        for a, b in limbs:
            cv2.line(image, points[a], points[b], (255, 255, 255), 2)
        for k, point in enumerate(points):
            cv2.circle(image, point, 2, (0, 0, 255 - 10 * k), -1)
    return image


def write_drawn_dataset(root, ann_file, image_folder, dataset='coco', num_images=4, height=96, width=128,
                        people=2):
    """``num_images`` images with ``people`` drawn people each, side by side, under ``root/image_folder``
    and their annotation file ``root/ann_file`` (COCO: the first image also has a crowd region in its
    top right corner). Returns the annotation path."""
    root = Path(root)
    (root / image_folder).mkdir(parents=True, exist_ok=True)
    (root / ann_file).parent.mkdir(parents=True, exist_ok=True)
    size = int(height * 0.6)  # a person is about as tall as its box is wide
    entries = []
    for index in range(num_images):
        image_id = 100 + index
        boxes = [(int((person + 0.1) * width / people) + 4 * index, int(height * 0.1) + 2 * index, size)
                 for person in range(people)]
        keypoints = people_keypoints(dataset, boxes)
        image = np.full((height, width, 3), 60 + 20 * index % 160, np.uint8)
        name = f'{image_id:012d}.jpg'
        cv2.imwrite(str(root / image_folder / name), draw_people(image, keypoints, dataset))
        entries.append((image_id, name, width, height, keypoints))
    crowd = {100: (width - width // 5, 2, width // 5, height // 5)} if dataset == 'coco' else None
    return write_annotations(root / ann_file, dataset, entries, crowd_regions=crowd)
