"""``higherhrnet client`` against a real TorchServe serving a tiny model (the tests/serving.py harness)."""
import json
import socket

import cv2
import numpy as np
import pytest
from serving import running_torchserve, write_tiny_model

from cli_testdata import synthetic_image
from conftest import torch_on_one_thread
from higherhrnet.cli.main import main


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp('tiny_client'))


@pytest.fixture(scope='module')
def server(tmp_path_factory, tiny_model):
    with running_torchserve(tmp_path_factory.mktemp('torchserve_client'), *tiny_model, batch_size=4,
                            max_batch_delay_ms=50) as endpoints:
        yield endpoints


def test_client_writes_the_servers_json_and_annotated_pngs(tmp_path, server, tiny_model):
    from higherhrnet.model_def import PoseEstimator

    folder = tmp_path / 'images'
    folder.mkdir()
    images = {'first': synthetic_image(96, 128, seed=3), 'second': synthetic_image(64, 96, seed=4)}
    for stem, image in images.items():
        cv2.imwrite(str(folder / f'{stem}.png'), image)
    out = tmp_path / 'out'
    assert main(['client', str(folder), '--out', str(out), '--url', server.inference,
                 '--model', server.model_name]) == 0
    assert sorted(p.name for p in out.iterdir()) == ['first.json', 'first.png', 'second.json', 'second.png']

    # The server runs the same PoseEstimator (its workers on one thread, as here).
    with torch_on_one_thread():
        estimator = PoseEstimator.from_config(tiny_model[0], checkpoint=tiny_model[1])
        for stem, image in images.items():
            response = json.loads((out / f'{stem}.json').read_text())
            expected = estimator.predict(image)
            keypoints = np.array([person['keypoints'] for person in response['people']]).reshape(-1, 17, 3)
            np.testing.assert_allclose(keypoints, expected['keypoints'], rtol=0, atol=1e-3)
            assert response['image_size'] == [image.shape[1], image.shape[0]]
            assert cv2.imread(str(out / f'{stem}.png')).shape == image.shape


def test_client_sends_options_and_reports_refusals(tmp_path, server, capsys):
    image = tmp_path / 'one.png'
    cv2.imwrite(str(image), synthetic_image(64, 64, seed=5))
    assert main(['client', str(image), '--out', str(tmp_path / 'out'), '--url', server.inference,
                 '--no-flip-test', '--detection-threshold', '0.15']) == 0
    people = json.loads((tmp_path / 'out' / 'one.json').read_text())['people']
    assert all(max(joint[2] for joint in person['keypoints']) > 0.15 for person in people)

    # The server's own checks answer 400; the client says so instead of writing files.
    assert main(['client', str(image), '--out', str(tmp_path / 'refused'), '--url', server.inference,
                 '--detection-threshold', '7']) == 2
    assert 'the server answered 400' in capsys.readouterr().err


def test_client_without_a_server_says_so(tmp_path, capsys):
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    image = tmp_path / 'one.png'
    cv2.imwrite(str(image), synthetic_image(32, 32))
    assert main(['client', str(image), '--out', str(tmp_path / 'out'), '--url', f'http://127.0.0.1:{port}']) == 2
    assert 'no server answers' in capsys.readouterr().err
