"""Running the network from a TensorRT engine: the messages everywhere, the outputs where a GPU and
TensorRT are present (the engine built by the export, compared with PyTorch)."""
import importlib.util
import sys

import pytest
import torch
from mmengine.registry import MODELS

from higherhrnet.model_def.simple_higherhrnet.simple_higherhrnet import config_for
from higherhrnet.model_def.inference.backends.tensorrt_network import TensorRTNetwork

HAS_TENSORRT_GPU = importlib.util.find_spec('tensorrt') is not None and torch.cuda.is_available()


def test_missing_tensorrt_says_what_is_needed_and_how_to_build_the_engine(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, 'tensorrt', None)  # import tensorrt fails, as where it is absent
    with pytest.raises(ImportError, match=r'needs the `tensorrt` Python package.*higherhrnet export '
                                          r'--format tensorrt') as error:
        TensorRTNetwork(tmp_path / 'higherhrnet.engine', 'cuda:0')
    assert '\n' not in str(error.value)


def test_an_engine_runs_on_a_gpu_only(tmp_path):
    with pytest.raises(ValueError, match='NVIDIA GPU'):
        TensorRTNetwork(tmp_path / 'higherhrnet.engine', 'cpu')


@pytest.mark.skipif(not HAS_TENSORRT_GPU, reason='needs the tensorrt package and a CUDA GPU')
def test_engine_outputs_equal_pytorch(tmp_path):
    from higherhrnet.model_def.inference.backends.network_export import build_tensorrt_engine, export_onnx

    network = MODELS.build(config_for(8, 17, 256).model).eval().cuda()
    onnx_path = export_onnx(network, tmp_path / 'tiny.onnx', sample_size=(256, 256))
    engine = build_tensorrt_engine(onnx_path, tmp_path / 'tiny.engine', min_size=128, opt_size=256,
                                   max_size=512, max_batch_size=2)
    runner = TensorRTNetwork(engine, 'cuda:0', test_cfg=network.test_cfg, dataset_meta=network.dataset_meta)
    assert runner.num_joints == 17 and next(runner.parameters()).device == torch.device('cuda:0')
    images = torch.randn(3, 3, 256, 320, device='cuda:0')  # 3 > the engine's batch of 2: two pieces
    with torch.no_grad():
        expected = network(images)
    actual = runner(images)
    for ours, theirs in zip(actual, expected):
        assert ours.shape == theirs.shape and ours.dtype == torch.float32
        # both sides may run float32 convolutions in TF32 on the GPU (10-bit mantissa)
        torch.testing.assert_close(ours, theirs, rtol=0, atol=2e-2)
    with pytest.raises(ValueError, match='outside the sizes'):
        runner(torch.zeros(1, 3, 256, 1024, device='cuda:0'))
