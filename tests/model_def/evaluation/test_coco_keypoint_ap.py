"""CocoKeypointAP on hand-made predictions: the same numbers as the scoring functions, mmengine's naming."""
import json

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import BaseDataElement, InstanceData

from keypoint_testdata import people_keypoints, write_annotations
from higherhrnet.model_def.evaluation import CocoKeypointAP
from higherhrnet.model_def.evaluation.keypoint_ap import STATS_NAMES, keypoint_ap, load_ground_truth, result_rows

BOXES = {1: [(10, 20, 120), (200, 30, 150)], 2: [(40, 40, 200)], 3: [(5, 5, 90)]}


def _annotations(tmp_path, dataset):
    images = [(image_id, f'{image_id:012d}.jpg', 400, 300, people_keypoints(dataset, boxes))
              for image_id, boxes in BOXES.items()]
    return write_annotations(tmp_path / f'{dataset}.json', dataset, images, crowd_regions={2: (300, 200, 50, 40)})


def _sample(image_id, dataset, shift):
    """A data sample as the model's predict mode returns it (tensors, metainfo, pred_instances)."""
    keypoints = people_keypoints(dataset, BOXES[image_id])
    people = len(keypoints)
    sample = BaseDataElement(metainfo=dict(img_id=image_id, img_path=f'{image_id:012d}.jpg', ori_shape=(300, 400)))
    sample.pred_instances = InstanceData(
        keypoints=torch.tensor(keypoints[..., :2] + shift, dtype=torch.float32),
        keypoint_scores=torch.full((people, keypoints.shape[1]), 0.8),
        scores=torch.linspace(0.9, 0.5, people),
        bboxes=torch.zeros(people, 4))
    return sample


@pytest.mark.parametrize('dataset', ['coco', 'crowdpose'])
def test_metric_equals_the_scoring_functions_and_writes_official_rows(tmp_path, dataset):
    annotations = _annotations(tmp_path, dataset)
    results_file = tmp_path / 'results.json'
    evaluator = Evaluator(dict(type='higherhrnet.CocoKeypointAP', ann_file=str(annotations), dataset=dataset,
                               results_file=str(results_file)))
    samples = [_sample(image_id, dataset, shift=3.0 * image_id) for image_id in BOXES]
    evaluator.process(samples[:2])  # two batches, as a dataloader gives them
    evaluator.process(samples[2:])
    metrics = evaluator.evaluate(len(samples))
    assert list(metrics) == [f'{dataset}/{name}' for name in STATS_NAMES[dataset]]

    rows = json.loads(results_file.read_text())
    expected_rows = []
    for sample in samples:
        people = sample.pred_instances
        keypoints = torch.cat([people.keypoints, people.keypoint_scores[..., None]], -1).numpy()
        expected_rows += result_rows(sample.img_id, keypoints, people.scores.numpy())
    assert rows == json.loads(json.dumps(expected_rows))
    stats, _ = keypoint_ap(load_ground_truth(annotations, dataset), expected_rows, dataset)
    assert [metrics[f'{dataset}/{name}'] for name in stats] == list(stats.values())
    assert 0.0 < metrics[f'{dataset}/AP'] < 1.0


def test_exact_predictions_of_part_of_the_images_score_ap_1_on_those(tmp_path):
    metric = CocoKeypointAP(str(_annotations(tmp_path, 'coco')), prefix='val')
    metric.process(None, [_sample(1, 'coco', shift=0.0), _sample(3, 'coco', shift=0.0)])
    metrics = metric.evaluate(2)
    assert metrics['val/AP'] == pytest.approx(1.0) and metrics['val/AR'] == pytest.approx(1.0)


def test_images_without_people_and_no_predictions_at_all(tmp_path):
    metric = CocoKeypointAP(str(_annotations(tmp_path, 'coco')))
    empty = BaseDataElement(metainfo=dict(img_id=1))
    empty.pred_instances = InstanceData(keypoints=np.zeros((0, 17, 2), np.float32),
                                        keypoint_scores=np.zeros((0, 17), np.float32),
                                        scores=np.zeros(0, np.float32))
    metric.process(None, [empty])
    assert set(metric.evaluate(1).values()) == {0.0}


def test_unknown_dataset_is_refused():
    with pytest.raises(ValueError, match='crowdpose'):
        CocoKeypointAP('x.json', dataset='mpii')


def test_a_keypoint_set_of_ones_own_is_scored_with_its_own_sigmas(tmp_path):
    from higherhrnet.model_def.keypoint_sets import parse_pose_metainfo
    from keypoint_testdata import write_widget_info

    annotations = _annotations(tmp_path, 'widget')
    meta = parse_pose_metainfo(dict(from_file=str(write_widget_info(tmp_path / 'widget.py', sigmas=(0.02,) * 7))))
    metric = CocoKeypointAP(str(annotations), dataset='coco')
    metric.dataset_meta = meta  # what the Runner does with its dataset's meta
    samples = [_sample(image_id, 'widget', shift=1.5) for image_id in BOXES]
    metric.process(None, samples)
    stats, _ = metric.score(metric.results)
    # the same rows scored with other sigmas give other numbers: the meta's were used
    wide = CocoKeypointAP(str(annotations), dataset='coco', sigmas=[0.2] * 7)
    wide.process(None, samples)
    assert stats['AP'] < wide.score(wide.results)[0]['AP'] == pytest.approx(1.0)

    no_sigmas = CocoKeypointAP(str(annotations), dataset='coco')
    no_sigmas.dataset_meta = dict(meta, sigmas=[])
    no_sigmas.process(None, samples)
    with pytest.raises(ValueError, match=r'widget\.py: sigmas is empty'):
        no_sigmas.score(no_sigmas.results)
    wrong = CocoKeypointAP(str(annotations), dataset='coco', sigmas=[0.05] * 17)
    wrong.process(None, samples)
    with pytest.raises(ValueError, match='17 OKS sigmas for annotations of 7 keypoints'):
        wrong.score(wrong.results)
