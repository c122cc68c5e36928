"""A checkpoint written by ``higherhrnet train`` is archived as it is (the archiver loads it strictly,
weights-only) and served by a real TorchServe: the answer equals the Python API on the same file."""
import cv2
import numpy as np
import requests
import torch
from serving import running_torchserve

from conftest import torch_on_one_thread
from training_testdata import trained_run  # noqa: F401 (fixture)
from higherhrnet.handler.archive import main as archive_main
from higherhrnet.model_def import PoseEstimator


def test_a_training_checkpoint_is_archived_and_served_as_it_is(trained_run, tmp_path):
    checkpoint = trained_run.work_dir / 'epoch_2.pth'
    # what `make archive CONFIG=... WEIGHTS=<training checkpoint>` runs
    archive_main(['--config', str(trained_run.config), '--weights', str(checkpoint),
                  '--export-path', str(tmp_path / 'checked'), '--device', 'cpu', '--workers', '1'])
    assert (tmp_path / 'checked' / 'higherhrnet.mar').is_file()

    # one of the drawn images the run was trained on
    jpeg = next((trained_run.data_root / 'images' / 'val2017').glob('*.jpg')).read_bytes()
    with running_torchserve(tmp_path, trained_run.config, checkpoint, batch_size=1) as server:
        response = requests.put(f'{server.inference}/predictions/{server.model_name}', data=jpeg,
                                timeout=120)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer['people'], 'the tiny config makes every peak a candidate: people expected'

    with torch_on_one_thread():  # the worker's single thread: the same float sums
        expected = PoseEstimator.from_config(trained_run.config, checkpoint).predict(
            cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR))
    served = np.array([person['keypoints'] for person in answer['people']], np.float32).reshape(-1, 17, 3)
    assert served.shape == expected['keypoints'].shape
    torch.testing.assert_close(torch.from_numpy(served), torch.from_numpy(expected['keypoints']))
