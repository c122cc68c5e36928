"""The AP scoring on a tiny synthetic dataset whose right answers are known."""
import json

import numpy as np
import pytest

from keypoint_testdata import people_keypoints, write_annotations
from higherhrnet.model_def.evaluation.keypoint_ap import STATS_NAMES, ap_table, keypoint_ap, load_ground_truth, result_rows

BOXES = {1: [(10, 20, 120), (200, 30, 150)], 2: [(40, 40, 200)]}


def _ground_truth(tmp_path, dataset):
    images = [(image_id, f'{image_id:012d}.jpg', 400, 300, people_keypoints(dataset, boxes))
              for image_id, boxes in BOXES.items()]
    return load_ground_truth(write_annotations(tmp_path / 'gt.json', dataset, images), dataset)


def _rows(dataset, shift=0.0, score=0.9):
    rows = []
    for image_id, boxes in BOXES.items():
        keypoints = people_keypoints(dataset, boxes)
        keypoints[:, :, :2] += shift
        keypoints[:, :, 2] = score
        rows += result_rows(image_id, keypoints, np.full(len(boxes), score))
    return rows


@pytest.mark.parametrize('dataset', ['coco', 'crowdpose'])
def test_exact_predictions_score_ap_1_and_shifted_ones_less(tmp_path, dataset):
    ground_truth = _ground_truth(tmp_path, dataset)
    exact, summary = keypoint_ap(ground_truth, _rows(dataset), dataset)
    assert list(exact) == list(STATS_NAMES[dataset])
    assert exact['AP'] == pytest.approx(1.0)
    assert exact['AR'] == pytest.approx(1.0)
    assert 'Average Precision' in summary
    shifted, _ = keypoint_ap(ground_truth, _rows(dataset, shift=6.0), dataset)
    assert 0.0 < shifted['AP'] < 1.0
    far, _ = keypoint_ap(ground_truth, _rows(dataset, shift=200.0), dataset)
    assert far['AP'] == pytest.approx(0.0)


def test_missing_people_lower_recall_and_extra_people_lower_precision(tmp_path):
    ground_truth = _ground_truth(tmp_path, 'coco')
    rows = _rows('coco')
    missing, _ = keypoint_ap(ground_truth, rows[1:], 'coco')
    assert missing['AR'] == pytest.approx(2 / 3)
    # A confident false person ranked above the true ones costs precision at every recall level.
    false_person = result_rows(2, people_keypoints('coco', [(250, 10, 100)]) * [1, 1, 0.99], [0.99])
    extra, _ = keypoint_ap(ground_truth, rows + false_person, 'coco')
    assert extra['AR'] == pytest.approx(1.0)
    assert extra['AP'] < 1.0


def test_no_detections_give_zero(tmp_path):
    stats, summary = keypoint_ap(_ground_truth(tmp_path, 'coco'), [], 'coco')
    assert set(stats.values()) == {0.0}
    assert 'no detections' in summary


def test_result_rows_match_the_official_layout():
    keypoints = np.array([[[10, 20, 0.5], [30, 5, 0.0], [-4, 40, 0.25]]], dtype=np.float32)
    (row,) = result_rows(7, keypoints, [0.3], category_id=1)
    assert row['image_id'] == 7 and row['category_id'] == 1
    assert row['keypoints'] == keypoints.reshape(-1).tolist()
    # The box spans every joint, the undetected (score 0) one included, as [x, y, w, h].
    assert row['bbox'] == [-4.0, 5.0, 34.0, 35.0]
    assert row['score'] == pytest.approx(0.3)
    json.dumps(row)
    with pytest.raises(ValueError, match='keypoints'):
        result_rows(7, keypoints[0], [0.3])


def test_ap_table_is_the_official_markdown():
    table = ap_table({'AP': 0.5, 'AP .5': 0.75, 'AP(E)': 0.25}, 'higherhrnet_w32_coco_512').splitlines()
    assert table == ['| Arch | AP | Ap .5 | AP (easy) |', '|---|---|---|---|',
                     '| higherhrnet_w32_coco_512 | 0.500 | 0.750 | 0.250 |']


def test_stats_names_are_mmposes_metric_keys():
    # mmpose 1.x CocoMetric's names: what save_best settings and dashboards of mmpose users expect
    assert STATS_NAMES['coco'] == ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)',
                                   'AR', 'AR .5', 'AR .75', 'AR (M)', 'AR (L)')
    assert STATS_NAMES['crowdpose'] == ('AP', 'AP .5', 'AP .75', 'AR', 'AR .5', 'AR .75', 'AP(E)', 'AP(M)', 'AP(H)')


def test_unknown_dataset_is_refused(tmp_path):
    with pytest.raises(ValueError, match='coco'):
        load_ground_truth(tmp_path / 'gt.json', 'mpii')
