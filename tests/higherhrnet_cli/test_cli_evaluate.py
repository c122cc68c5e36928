"""``higherhrnet evaluate`` end to end on a tiny synthetic dataset with a tiny (untrained) model."""
import json

import cv2
import pytest

from cli_testdata import synthetic_image, tiny_coco_model, tiny_crowdpose_model  # noqa: F401 (fixtures)
from keypoint_testdata import people_keypoints, write_annotations
from higherhrnet.cli.main import main


def _dataset(tmp_path, dataset):
    images = tmp_path / 'images'
    images.mkdir()
    entries = []
    for image_id in (3, 5):
        name = f'{image_id:012d}.jpg'
        cv2.imwrite(str(images / name), synthetic_image(64, 96, seed=image_id))
        entries.append((image_id, name, 96, 64, people_keypoints(dataset, [(10, 5, 50)])))
    return write_annotations(tmp_path / 'annotations.json', dataset, entries), images


@pytest.mark.parametrize('dataset, model', [('coco', 'tiny_coco_model'), ('crowdpose', 'tiny_crowdpose_model')])
def test_evaluate_writes_results_and_prints_the_official_table(tmp_path, dataset, model, request, capsys):
    config, checkpoint = request.getfixturevalue(model)
    annotations, images = _dataset(tmp_path, dataset)
    results = tmp_path / 'results.json'
    assert main(['evaluate', '--annotations', str(annotations), '--images', str(images), '--results', str(results),
                 '--config', str(config), '--checkpoint', str(checkpoint), '--no-flip-test']) == 0
    rows = json.loads(results.read_text())
    assert {row['image_id'] for row in rows} <= {3, 5}
    assert all(len(row['keypoints']) == 3 * (17 if dataset == 'coco' else 14) for row in rows)
    printed = capsys.readouterr().out
    # the official headings (its 'Ap .5' typo included), not the metric keys
    official = {'coco': 'AP | Ap .5 | AP .75 | AP (M) | AP (L) | AR | AR .5 | AR .75 | AR (M) | AR (L)',
                'crowdpose': 'AP | Ap .5 | AP .75 | AR | AR .5 | AR .75 | AP (easy) | AP (medium) | AP (hard)'}
    header = f'| Arch | {official[dataset]} |'
    assert header in printed
    assert f'| {config.stem} |' in printed
    assert 'Average Precision' in printed


def test_evaluate_refuses_annotations_with_other_joints(tmp_path, tiny_crowdpose_model, capsys):
    config, checkpoint = tiny_crowdpose_model
    annotations, images = _dataset(tmp_path, 'coco')
    assert main(['evaluate', '--annotations', str(annotations), '--images', str(images), '--dataset', 'coco',
                 '--config', str(config), '--checkpoint', str(checkpoint)]) == 2
    assert 'annotates 17 joints but the model predicts 14' in capsys.readouterr().err
