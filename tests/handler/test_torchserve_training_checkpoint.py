"""A checkpoint written by ``higherhrnet train`` is archived (its weights alone; the archiver loads it strictly,
weights-only) and served by a real TorchServe: the answer equals the Python API on the same file. Also
for a keypoint set of one's own: its dataset-info file travels in the archive, and the answer names its
joints and limbs."""
import zipfile

import cv2
import numpy as np
import pytest
import requests
import torch
from serving import running_torchserve

from conftest import torch_on_one_thread
from keypoint_testdata import WIDGET_JOINTS
from training_testdata import trained_run, trained_widget_run  # noqa: F401 (fixtures)
from higherhrnet.handler.archive import main as archive_main
from higherhrnet.model_def import PoseEstimator


@pytest.mark.parametrize('run_name', ['trained_run', 'trained_widget_run'])
def test_a_training_checkpoint_is_archived_and_served_as_it_is(run_name, request, tmp_path):
    trained_run = request.getfixturevalue(run_name)
    checkpoint = trained_run.work_dir / 'epoch_2.pth'
    # what `make archive CONFIG=... WEIGHTS=<training checkpoint>` runs
    archive_main(['--config', str(trained_run.config), '--weights', str(checkpoint),
                  '--export-path', str(tmp_path / 'checked'), '--device', 'cpu', '--workers', '1'])
    assert (tmp_path / 'checked' / 'higherhrnet.mar').is_file()
    with zipfile.ZipFile(tmp_path / 'checked' / 'higherhrnet.mar') as archive:
        # the config, flattened, and the dataset-info file it names, beside it
        assert {f'configs/{trained_run.config.name}', 'configs/metainfo/'} <= {
            name if not name.startswith('configs/metainfo/') else 'configs/metainfo/' for name in archive.namelist()}

    # one of the drawn images the run was trained on
    jpeg = next(trained_run.data_root.glob('images/*/*.jpg')).read_bytes()
    with running_torchserve(tmp_path, trained_run.config, checkpoint, batch_size=1) as server:
        response = requests.put(f'{server.inference}/predictions/{server.model_name}', data=jpeg,
                                timeout=120)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer['people'], 'the tiny config makes every peak a candidate: people expected'

    with torch_on_one_thread():  # the worker's single thread: the same float sums
        estimator = PoseEstimator.from_config(trained_run.config, checkpoint)
        expected = estimator.predict(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR))
    assert answer['keypoint_names'] == estimator.dataset_meta['keypoint_names']
    assert answer['skeleton'] == estimator.dataset_meta['skeleton']
    if run_name == 'trained_widget_run':
        assert answer['keypoint_names'] == list(WIDGET_JOINTS)
    num_joints = len(answer['keypoint_names'])
    served = np.array([person['keypoints'] for person in answer['people']], np.float32).reshape(-1, num_joints, 3)
    assert served.shape == expected['keypoints'].shape
    torch.testing.assert_close(torch.from_numpy(served), torch.from_numpy(expected['keypoints']))
