"""``higherhrnet test``: the Runner's test loop gives the numbers ``higherhrnet evaluate`` gives; --show-dir
draws every test image."""
import json
import os

import cv2
import numpy as np
import pytest

from conftest import torch_on_one_thread
from training_testdata import trained_run  # noqa: F401 (fixture)
from higherhrnet.cli.main import main
from higherhrnet.model_def.evaluation.keypoint_ap import STATS_NAMES


def test_test_writes_the_metrics_and_rows_of_evaluate(trained_run, tmp_path, capsys):
    checkpoint = str(trained_run.work_dir / 'epoch_2.pth')
    metrics_file, test_rows, evaluate_rows = tmp_path / 'metrics.json', tmp_path / 'test.json', tmp_path / 'eval.json'
    with torch_on_one_thread():
        assert main(['test', str(trained_run.config), checkpoint, '--work-dir', str(tmp_path / 'work'),
                     '--out', str(metrics_file), '--cfg-options', f'test_evaluator.results_file={test_rows}']) == 0
        metrics = json.loads(metrics_file.read_text())
        assert list(metrics) == [f'coco/{name}' for name in STATS_NAMES['coco']]
        assert main(['evaluate', '--config', str(trained_run.config), '--checkpoint', checkpoint,
                     '--annotations', str(trained_run.data_root / 'annotations/person_keypoints_val2017.json'),
                     '--images', str(trained_run.data_root / 'images/val2017'),
                     '--results', str(evaluate_rows)]) == 0
    printed = capsys.readouterr().out
    # the same people (the Runner reads RGB through the dataset, evaluate BGR through OpenCV)
    rows, expected = json.loads(test_rows.read_text()), json.loads(evaluate_rows.read_text())
    assert [(r['image_id'], len(r['keypoints'])) for r in rows] == [(r['image_id'], len(r['keypoints'])) for r in expected]
    for row, want in zip(rows, expected):
        assert row['keypoints'] == pytest.approx(want['keypoints'], abs=1e-3)
        assert row['score'] == pytest.approx(want['score'], abs=1e-5)
    assert f"| {metrics['coco/AP']:.3f} | {metrics['coco/AP .5']:.3f} |" in printed


def test_a_missing_checkpoint_is_one_line(trained_run, tmp_path, capsys):
    assert main(['test', str(trained_run.config), str(tmp_path / 'none.pth'), '--work-dir', str(tmp_path)]) == 2
    assert 'none.pth' in capsys.readouterr().err


def test_show_dir_writes_every_test_image_with_its_people(trained_run, tmp_path):
    show_dir = tmp_path / 'shown' / 'deeper'  # made when missing
    with torch_on_one_thread():
        assert main(['test', str(trained_run.config), str(trained_run.work_dir / 'epoch_2.pth'), '--work-dir',
                     str(tmp_path / 'work'), '--show-dir', str(show_dir)]) == 0
    images = sorted((trained_run.data_root / 'images' / 'val2017').glob('*.jpg'))
    assert sorted(p.name for p in show_dir.iterdir()) == [image.name for image in images]
    for image in images:
        original, shown = cv2.imread(str(image)), cv2.imread(str(show_dir / image.name))
        assert shown is not None and shown.shape == original.shape
        assert np.abs(shown.astype(int) - original).max() > 100  # people drawn, not JPEG noise


def test_a_show_dir_that_cannot_be_written_is_one_line_before_the_model_runs(trained_run, tmp_path, capsys):
    blocker = tmp_path / 'a_file'
    blocker.write_text('not a folder')
    checkpoint = str(trained_run.work_dir / 'epoch_2.pth')
    for show_dir, reason in ((blocker / 'pictures', 'a part of the path is a file'),
                             (blocker, 'a file of that name is in the way')):
        assert main(['test', str(trained_run.config), checkpoint, '--work-dir', str(tmp_path / 'work'),
                     '--show-dir', str(show_dir)]) == 2
        error = capsys.readouterr().err
        assert error.startswith(f'higherhrnet test: error: --show-dir {show_dir}: {reason}') and error.count('\n') == 1
    assert not (tmp_path / 'work').exists()  # refused before the Runner made its work dir


@pytest.mark.skipif(os.geteuid() == 0, reason='root writes into read-only folders')
def test_a_read_only_show_dir_is_one_line(trained_run, tmp_path, capsys):
    folder = tmp_path / 'read_only'
    folder.mkdir(mode=0o555)
    assert main(['test', str(trained_run.config), str(trained_run.work_dir / 'epoch_2.pth'), '--work-dir',
                 str(tmp_path / 'work'), '--show-dir', str(folder)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f'higherhrnet test: error: --show-dir {folder}: cannot write there') and error.count('\n') == 1
