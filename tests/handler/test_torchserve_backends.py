"""A real TorchServe whose worker runs the network with ONNX Runtime or OpenVINO (handler setting
``backend``): the archive carries the checked graph, the answers equal the Python API's with the same
backend, and OpenVINO's compiled model is cached in the server's run dir."""
import json

import pytest
import requests
import torch
from handler_testdata import jpeg
from serving import running_torchserve, write_tiny_model

from higherhrnet.handler.archive import build_archive
from higherhrnet.handler.image import decode_image
from higherhrnet.model_def import PoseEstimator
from higherhrnet.model_def.inference.backends import BackendError
from higherhrnet.model_def.inference.serialize import people_to_json


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp('tiny'))


def python_api_answer(tiny_model, backend, body):
    """The answer of the Python API with the same backend and the worker's single thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        estimator = PoseEstimator.from_config(tiny_model[0], checkpoint=tiny_model[1], backend=backend)
        image = decode_image(body)
        document = people_to_json(estimator.predict(image), dataset_meta=estimator.dataset_meta,
                                  image_size=(image.shape[1], image.shape[0]), model_name=estimator.config_name)
    finally:
        torch.set_num_threads(threads)
    return json.loads(json.dumps(document))


@pytest.mark.parametrize('backend', ['onnxruntime', 'openvino'])
def test_worker_serves_with_the_backend_of_the_archive(tmp_path, tiny_model, backend):
    body = jpeg(seed=3, height=150, width=200)
    with running_torchserve(tmp_path, *tiny_model, handler_settings={'backend': backend}) as server:
        answer = requests.put(f'{server.inference}/predictions/{server.model_name}', data=body, timeout=300)
        log = '\n'.join(path.read_text(errors='replace') for path in (tmp_path / 'run' / 'logs').glob('model_log*'))
    assert answer.status_code == 200, answer.text
    assert answer.json() == python_api_answer(tiny_model, backend, body)
    assert f'network backend {backend}' in log
    if backend == 'openvino':
        # the compiled model is kept for the worker's next start
        assert any((tmp_path / 'run' / 'model_cache').iterdir())


def test_archive_carries_the_graph_and_refuses_an_unknown_backend(tmp_path, tiny_model, capsys):
    import zipfile

    archive = build_archive(*tiny_model, tmp_path, device='cpu', handler_settings={'backend': 'openvino'})
    assert 'checked against PyTorch' in capsys.readouterr().out
    with zipfile.ZipFile(archive) as mar:
        names = mar.namelist()
        settings = mar.read('model-config.yaml').decode()
        requirements = mar.read('requirements.txt').decode()
    assert 'higherhrnet.onnx' in names and 'onnx: higherhrnet.onnx' in settings
    assert 'openvino==' in requirements
    with pytest.raises(BackendError, match=r"unknown backend 'openvin'; one of: torch, onnxruntime, openvino, "
                                           r'tensorrt'):
        build_archive(*tiny_model, tmp_path, device='cpu', handler_settings={'backend': 'openvin'})
