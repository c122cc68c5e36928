"""Keypoint AP the way the official HigherHRNet evaluation computes it (COCO and CrowdPose).

COCO uses pycocotools' ``COCOeval(..., 'keypoints')``; CrowdPose uses xtcocotools'
``'keypoints_crowd'`` mode (the CrowdPose toolkit's metric: OKS area from the box, AP by crowd
index). The result rows are those of the official ``_write_coco_keypoint_results``: every person
is kept (no OKS-NMS, no rescoring), the score is the grouping score, and the box spans all K
joints, undetected ones included.

``CocoKeypointAP`` (the mmengine metric of ``Runner.val/test``) and ``higherhrnet evaluate`` both
score through these functions.
"""
import contextlib
import io
import json
from collections import OrderedDict

import numpy as np

# The stats names of mmpose's CocoMetric (the metric keys users' ``save_best`` and dashboards expect), in
# the order of COCOeval.stats.
STATS_NAMES = {
    'coco': ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5', 'AR .75', 'AR (M)', 'AR (L)'),
    'crowdpose': ('AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75', 'AP(E)', 'AP(M)', 'AP(H)'),
}
# The headings of the official AP table where they differ from those names (its typo 'Ap .5' included).
OFFICIAL_HEADINGS = {'AP .5': 'Ap .5', 'AP(E)': 'AP (easy)', 'AP(M)': 'AP (medium)', 'AP(H)': 'AP (hard)'}
# The CrowdPose toolkit's OKS sigmas (COCO's for the 12 limb joints, then head top and neck).
CROWDPOSE_SIGMAS = np.array([.79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89, .79, .79]) / 10.0


def result_rows(image_id, keypoints, scores, *, category_id=1):
    """The results-JSON rows of one image: keypoints [P, K, 3] (x, y, score; image pixels), scores [P]."""
    keypoints = np.asarray(keypoints, dtype=np.float32)
    scores = np.asarray(scores, dtype=np.float32)
    if keypoints.ndim != 3 or keypoints.shape[2] < 3 or scores.shape != keypoints.shape[:1]:
        raise ValueError(f'need keypoints [P, K, 3] and scores [P], got {keypoints.shape} and {scores.shape}')
    rows = []
    for person, score in zip(keypoints[:, :, :3], scores):
        left, top = person[:, :2].min(axis=0)
        right, bottom = person[:, :2].max(axis=0)
        rows.append({
            'image_id': image_id,
            'category_id': category_id,
            'keypoints': person.reshape(-1).tolist(),
            'score': float(score),
            'bbox': [float(left), float(top), float(right - left), float(bottom - top)],
        })
    return rows


def load_ground_truth(annotation_file, dataset):
    """The COCO API object of an annotation file, from the toolkit the dataset's metric needs."""
    if dataset == 'coco':
        from pycocotools.coco import COCO
    elif dataset == 'crowdpose':
        try:
            from xtcocotools.coco import COCO
        except ImportError as error:
            raise RuntimeError('CrowdPose evaluation needs xtcocotools built against this numpy: '
                               'pip install --no-deps --no-binary xtcocotools xtcocotools==1.14.3 '
                               f'(import failed: {error})') from None
    else:
        raise ValueError(f"dataset must be 'coco' or 'crowdpose', got {dataset!r}")
    # Both APIs print 'loading annotations...' chatter; keep the tool's output to the AP table.
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(str(annotation_file))


def keypoint_ap(ground_truth, rows, dataset, image_ids=None, sigmas=None):
    """Evaluate result rows against a ground truth from ``load_ground_truth``.

    ``image_ids`` limits the evaluation to those images (default: all of the annotation file);
    CrowdPose's easy / medium / hard split always covers the whole file (the toolkit re-reads it).
    ``sigmas``: the OKS sigma of each keypoint (the keypoint set's); None: the toolkit's own (COCO's
    17 for ``'coco'``, CrowdPose's 14 for ``'crowdpose'``).

    Returns (OrderedDict stats name -> value, the COCOeval summary text the toolkit prints).
    """
    names = STATS_NAMES[dataset]
    if not rows:
        # loadRes cannot take an empty list; with ground truth people and no detections every AP/AR is 0.
        return OrderedDict((name, 0.0) for name in names), 'no detections: every AP and AR is 0\n'
    if sigmas is not None:
        sigmas = np.asarray(sigmas, dtype=np.float64)
        check_sigmas(ground_truth, sigmas)
    with contextlib.redirect_stdout(io.StringIO()):
        detections = ground_truth.loadRes(rows)
    if dataset == 'coco':
        from pycocotools.cocoeval import COCOeval
        evaluator = COCOeval(ground_truth, detections, 'keypoints')
        if sigmas is not None:
            evaluator.params.kpt_oks_sigmas = sigmas
    else:
        from xtcocotools.cocoeval import COCOeval
        evaluator = COCOeval(ground_truth, detections, 'keypoints_crowd',
                             CROWDPOSE_SIGMAS if sigmas is None else sigmas, use_area=False)
    if image_ids is not None:
        evaluator.params.imgIds = sorted(image_ids)
    # Only summarize()'s table is kept from the toolkit's prints (evaluate/accumulate report timings).
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator.evaluate()
        evaluator.accumulate()
    summary = io.StringIO()
    with contextlib.redirect_stdout(summary):
        evaluator.summarize()
    return OrderedDict((name, float(evaluator.stats[i])) for i, name in enumerate(names)), summary.getvalue()


def check_sigmas(ground_truth, sigmas):
    """One OKS sigma per keypoint of the annotation file, or a ValueError saying what differs."""
    annotation = next((ann for ann in ground_truth.dataset.get('annotations', []) if 'keypoints' in ann), None)
    if annotation is not None and len(annotation['keypoints']) != 3 * len(sigmas):
        raise ValueError(f'{len(sigmas)} OKS sigmas for annotations of {len(annotation["keypoints"]) // 3} '
                         'keypoints: the keypoint set of the metric and of the annotation file differ')


def ap_table(stats, arch_name):
    """The markdown table the official valid.py prints (``_print_name_value``), one model per row."""
    header = '| Arch ' + ' '.join(f'| {OFFICIAL_HEADINGS.get(name, name)}' for name in stats) + ' |'
    rule = '|---' * (len(stats) + 1) + '|'
    row = f'| {arch_name} ' + ' '.join(f'| {value:.3f}' for value in stats.values()) + ' |'
    return '\n'.join((header, rule, row))


def write_results(rows, path):
    with open(path, 'w') as file:
        json.dump(rows, file, indent=1)
