"""A keypoint set of one's own through every tool: the widget (7 joints, a dataset-info file beside its
config) trained by ``higherhrnet train``, then tested, predicted, extracted and drawn with its own names,
limbs and colours, and loaded by ``PoseEstimator`` and ``SimpleHigherHRNet``."""
import csv
import json
import os

import cv2
import numpy as np

from conftest import torch_on_one_thread
from keypoint_testdata import WIDGET_JOINTS, WIDGET_LINKS
from training_testdata import trained_widget_run  # noqa: F401 (fixture)
from higherhrnet.cli.main import main

SKELETON = [[WIDGET_JOINTS.index(a), WIDGET_JOINTS.index(b)] for a, b in WIDGET_LINKS]


def _checkpoint(run):
    return str(run.work_dir / 'epoch_2.pth')


def test_training_and_testing_follow_the_keypoint_set(trained_widget_run, tmp_path):
    assert 'loss_heatmap_0' in trained_widget_run.log
    metrics_file = tmp_path / 'metrics.json'
    with torch_on_one_thread():
        assert main(['test', str(trained_widget_run.config), _checkpoint(trained_widget_run),
                     '--work-dir', str(tmp_path / 'work'), '--out', str(metrics_file)]) == 0
    metrics = json.loads(metrics_file.read_text())
    assert all(0.0 <= value <= 1.0 or value == -1.0 for value in metrics.values()) and len(metrics) == 10


def test_predict_and_extract_name_the_sets_joints(trained_widget_run, tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    image = cv2.imread(str(next((trained_widget_run.data_root / 'images/test').glob('*.jpg'))))
    cv2.imwrite(str(folder / 'widget.png'), image)
    out = tmp_path / 'out'
    common = ['--config', str(trained_widget_run.config), '--checkpoint', _checkpoint(trained_widget_run)]
    with torch_on_one_thread():
        assert main(['predict', str(folder), '--out', str(out), *common]) == 0
        assert main(['extract', str(folder), '--output', str(tmp_path / 'rows.csv'), *common]) == 0
    response = json.loads((out / 'widget.json').read_text())
    assert response['keypoint_names'] == list(WIDGET_JOINTS) and response['skeleton'] == SKELETON
    assert response['people'] and all(len(person['keypoints']) == 7 for person in response['people'])
    with open(tmp_path / 'rows.csv') as file:
        rows = list(csv.DictReader(file))
    assert {row['joint'] for row in rows} == set(WIDGET_JOINTS)
    assert cv2.imread(str(out / 'widget.png')).shape == image.shape


def test_the_drawing_takes_the_sets_colours(trained_widget_run):
    from higherhrnet.cli.drawing import draw_people
    from higherhrnet.model_def.keypoint_sets import parse_pose_metainfo

    meta = parse_pose_metainfo(dict(from_file=str(trained_widget_run.config.parent / 'widget.py')))
    keypoints = np.array([[[10 + 12 * k, 20, 1.0] for k in range(7)]], np.float32)
    canvas = draw_people(np.zeros((40, 100, 3), np.uint8), keypoints, meta['skeleton'],
                         keypoint_colors=meta['keypoint_colors'], link_colors=meta['skeleton_link_colors'])
    # joint 1's own colour (RGB [40, 128, 255]) at its centre, in OpenCV's BGR
    assert tuple(canvas[20, 22]) == (255, 128, 40)


def test_estimator_and_simple_higherhrnet_load_the_set_from_any_folder(trained_widget_run, tmp_path):
    from higherhrnet.model_def import PoseEstimator, SimpleHigherHRNet

    image = cv2.imread(str(next((trained_widget_run.data_root / 'images/test').glob('*.jpg'))))
    here = os.getcwd()
    os.chdir(tmp_path)  # widget.py is found beside the config, not in the current folder
    try:
        with torch_on_one_thread():
            estimator = PoseEstimator.from_config(trained_widget_run.config, _checkpoint(trained_widget_run))
            expected = estimator.predict(image)
            # simple-HigherHRNet's class: any nof_joints; the keypoint set comes from the training checkpoint
            simple = SimpleHigherHRNet(8, 7, _checkpoint(trained_widget_run), resolution=128,
                                       filter_redundant_poses=False, max_nof_people=5)
            simple.output_parser.detection_threshold = 0.0  # the tiny config's: a barely trained network
            joints = simple.predict(image)
    finally:
        os.chdir(here)
    assert estimator.dataset_meta['keypoint_names'] == list(WIDGET_JOINTS)
    assert simple.joint_set == 'widget' and simple.estimator.dataset_meta['skeleton'] == SKELETON
    assert len(expected['scores']) > 0
    np.testing.assert_array_equal(joints, expected['keypoints'][..., [1, 0, 2]])  # (y, x, score) there
