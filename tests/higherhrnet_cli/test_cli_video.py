"""``higherhrnet demo --no-display`` and ``higherhrnet extract`` on a short synthetic video and image folder."""
import csv
import json
import sys

import cv2
import pytest

from cli_testdata import synthetic_image, tiny_coco_model, write_video  # noqa: F401 (fixture)
from higherhrnet.cli.main import main
from higherhrnet.cli.media import open_video, read_batches

NUM_FRAMES = 3


@pytest.fixture
def video(tmp_path):
    return write_video(tmp_path / 'clip.avi', num_frames=NUM_FRAMES, height=64, width=96)


def _model_arguments(tiny_model):
    config, checkpoint = tiny_model
    # Flip test off: these tests are about frames and files, and it halves the network time.
    return ['--config', str(config), '--checkpoint', str(checkpoint), '--no-flip-test']


def test_demo_without_display_writes_the_annotated_video(tmp_path, video, tiny_coco_model, capsys):
    output = tmp_path / 'annotated.avi'
    assert main(['demo', str(video), '--no-display', '--output', str(output), '--batch-size', '2',
                 *_model_arguments(tiny_coco_model)]) == 0
    printed = capsys.readouterr()
    assert f'{NUM_FRAMES} frames' in printed.out
    # tqdm's bar: frames done of the video's count, frames per second (ETA while it runs)
    assert 'demo: 100%' in printed.err and f'{NUM_FRAMES}/{NUM_FRAMES}' in printed.err and 'frame/s' in printed.err
    capture = open_video(output)
    frames = [frame for batch in read_batches(capture, NUM_FRAMES + 1) for frame in batch]
    capture.release()
    assert len(frames) == NUM_FRAMES
    assert frames[0].shape == (64, 96, 3)


def test_demo_refuses_what_it_cannot_open(tmp_path, capsys):
    assert main(['demo', str(tmp_path / 'missing.avi'), '--no-display']) == 2
    assert 'no such video file' in capsys.readouterr().err


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='the display check is for Linux (X11 / Wayland)')
def test_demo_without_a_display_asks_for_no_display(video, monkeypatch, capsys):
    # OpenCV's window backend would abort the process here; the demo must stop before that.
    monkeypatch.delenv('DISPLAY', raising=False)
    monkeypatch.delenv('WAYLAND_DISPLAY', raising=False)
    assert main(['demo', str(video)]) == 2
    assert '--no-display' in capsys.readouterr().err


def test_extract_video_to_csv_and_json_rows(tmp_path, video, tiny_coco_model, capsys):
    from higherhrnet.model_def import PoseEstimator

    csv_path, json_path = tmp_path / 'rows.csv', tmp_path / 'rows.json'
    assert main(['extract', str(video), '--output', str(csv_path), '--batch-size', '2',
                 *_model_arguments(tiny_coco_model)]) == 0
    assert 'extract' in capsys.readouterr().err  # the tqdm progress bar
    with open(csv_path, newline='') as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ['frame', 'person', 'joint', 'x', 'y', 'score']
    assert sorted({int(row['frame']) for row in rows}) == list(range(NUM_FRAMES))

    # Frame 0's rows are the estimator's keypoints of the decoded first frame, person by person, joint by joint.
    config, checkpoint = tiny_coco_model
    estimator = PoseEstimator.from_config(config, checkpoint=checkpoint, flip_test=False)
    capture = cv2.VideoCapture(str(video))
    _, first = capture.read()
    capture.release()
    keypoints = estimator.predict(first)['keypoints']
    names = estimator.dataset_meta['keypoint_names']
    expected = [(0, p, names[k], *map(float, keypoints[p, k])) for p in range(len(keypoints)) for k in range(17)]
    got = [(int(r['frame']), int(r['person']), r['joint'], float(r['x']), float(r['y']), float(r['score']))
           for r in rows if r['frame'] == '0']
    assert got == expected

    # JSON: the same rows as objects (format from the suffix).
    assert main(['extract', str(video), '--output', str(json_path), *_model_arguments(tiny_coco_model)]) == 0
    objects = json.loads(json_path.read_text())
    assert len(objects) == len(rows)
    assert objects[0] == {'frame': 0, 'person': 0, 'joint': names[0], 'x': expected[0][3], 'y': expected[0][4],
                          'score': expected[0][5]}


def test_extract_image_folder_numbers_frames_in_name_order(tmp_path, tiny_coco_model):
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i in range(2):
        cv2.imwrite(str(folder / f'frame_{i:03d}.png'), synthetic_image(64, 96, seed=i))
    output = tmp_path / 'rows.json'
    assert main(['extract', str(folder), '--output', str(output), *_model_arguments(tiny_coco_model)]) == 0
    frames = {row['frame'] for row in json.loads(output.read_text())}
    assert frames <= {0, 1}


def test_extract_unreadable_file_ends_with_a_clear_error(tmp_path, capsys):
    broken = tmp_path / 'broken.avi'
    broken.write_bytes(b'this is not a video' * 100)
    assert main(['extract', str(broken), '--output', str(tmp_path / 'rows.csv')]) == 2
    error = capsys.readouterr().err
    assert 'broken.avi' in error
    assert not (tmp_path / 'rows.csv').exists()


def test_extract_needs_a_known_output_format(tmp_path, video, capsys):
    assert main(['extract', str(video), '--output', str(tmp_path / 'rows.txt')]) == 2
    assert '.csv or .json' in capsys.readouterr().err
