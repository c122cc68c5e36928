"""The backends behind ``PoseEstimator`` on a width-8 model: one line for every way to get them wrong,
the same people as torch, a batch the same as its images alone, the graph and cache folders used."""
import sys

import numpy as np
import pytest
import torch

from higherhrnet.model_def import PoseEstimator
from higherhrnet.model_def.inference.backends import BACKENDS, BackendError, build_networks, check_backend
from inference_testdata import build_tiny_model, synthetic_images

RUNTIMES = ('onnxruntime', 'openvino')


def test_unknown_backend_lists_the_backends():
    with pytest.raises(BackendError) as error:
        PoseEstimator(build_tiny_model(), backend='openvno')
    assert str(error.value) == "unknown backend 'openvno'; one of: torch, onnxruntime, openvino, tensorrt"


@pytest.mark.parametrize('backend', ['openvino', 'onnxruntime', 'tensorrt'])
def test_missing_package_names_what_to_install_before_any_loading(monkeypatch, backend):
    monkeypatch.setitem(sys.modules, BACKENDS[backend].package, None)  # as where it is not installed
    with pytest.raises(BackendError, match=rf"backend '{backend}' needs the Python package '{backend}', which is "
                                           r'not installed: pip install') as error:
        # no config is resolved and no weights read: the name is not even a config
        PoseEstimator.from_config('no such config', 'no such file', backend=backend)
    assert '\n' not in str(error.value)


def test_tensorrt_runs_on_nvidia_gpus_only():
    with pytest.raises(BackendError, match="backend 'tensorrt' does not run on cpu.*NVIDIA GPUs only"):
        check_backend('tensorrt', ['cpu'])


def test_openvino_does_not_run_on_cuda():
    with pytest.raises(BackendError, match="does not run on cuda.*Intel GPUs; on NVIDIA use tensorrt"):
        check_backend('openvino', ['cuda'])


def test_unknown_backend_option_is_refused():
    with pytest.raises(TypeError, match="backend 'openvino' takes no option 'precison'; its options: precision"):
        build_networks('openvino', build_tiny_model(), [torch.device('cpu')], precison='bf16')


@pytest.fixture(scope='module')
def torch_results():
    estimator = PoseEstimator(build_tiny_model(), input_size=256)
    return estimator.predict(synthetic_images(), flip_test=True, scale_factor=[1, 0.5], return_heatmaps=True)


@pytest.mark.parametrize('backend', RUNTIMES)
def test_same_people_as_torch_and_a_batch_as_its_images_alone(backend, torch_results, tmp_path):
    estimator = PoseEstimator(build_tiny_model(), input_size=256, backend=backend,
                              backend_options={'cache_dir': tmp_path / 'cache', 'threads': 1})
    assert (tmp_path / 'cache' / 'higherhrnet.onnx').is_file()  # the graph is exported into the cache
    images = synthetic_images()
    options = dict(flip_test=True, scale_factor=[1, 0.5], return_heatmaps=True)
    batch = estimator.predict(images, **options)
    for image, result, reference in zip(images, batch, torch_results):
        alone = estimator.predict(image, **options)
        for key in result:
            np.testing.assert_array_equal(result[key], alone[key], err_msg=key)
        np.testing.assert_allclose(result['heatmaps'], reference['heatmaps'], rtol=0, atol=1e-5)
        assert len(result['scores']) == len(reference['scores'])


def test_openvino_keeps_its_compiled_model_in_the_cache_dir(tmp_path):
    build_networks('openvino', build_tiny_model(), [torch.device('cpu')], cache_dir=tmp_path)
    assert list(tmp_path.glob('*.blob')) or [p for p in tmp_path.iterdir() if p.is_dir()]


def test_a_given_graph_is_used_as_it_is(tmp_path):
    from higherhrnet.model_def.inference.backends.network_export import export_onnx

    model = build_tiny_model()
    graph = export_onnx(model, tmp_path / 'given.onnx', sample_size=(128, 128))
    network, = build_networks('onnxruntime', model, [torch.device('cpu')], onnx_path=graph)
    assert network.session._model_path == str(graph)
    image = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        expected = model(image)
    for ours, theirs in zip(network(image), expected):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=0, atol=1e-5)
