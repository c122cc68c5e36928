"""ONNX export of a tiny model, checked against PyTorch with onnxruntime; the TensorRT build where it exists."""
import importlib.util

import numpy as np
import onnx
import onnxruntime
import pytest
import torch

from cli_testdata import tiny_coco_model  # noqa: F401 (fixture)
from higherhrnet.cli.main import main
from higherhrnet.cli.network_export import INPUT_NAME, OUTPUT_NAMES, export_onnx, onnx_forward

HAS_TENSORRT = importlib.util.find_spec('tensorrt') is not None


def _network(config, checkpoint):
    from higherhrnet.model_def import PoseEstimator
    return PoseEstimator.from_config(config, checkpoint=checkpoint).model.eval()


def test_export_command_writes_onnx_equal_to_pytorch(tmp_path, tiny_coco_model, capsys):
    config, checkpoint = tiny_coco_model
    output = tmp_path / 'out' / 'model.onnx'
    assert main(['export', '--config', str(config), '--checkpoint', str(checkpoint), '--output', str(output)]) == 0
    # The command's own check: onnxruntime vs PyTorch on a batch of another size than the traced one.
    printed = capsys.readouterr().out
    differences = [float(line.rsplit(' ', 1)[1]) for line in printed.splitlines() if 'max |difference|' in line]
    assert len(differences) == 2 and max(differences) < 1e-4
    # Each step says what it does and how long it took; the check names its batch and image size (W x H).
    assert 'exporting the network to ONNX (float32, opset 17' in printed
    assert 'on a batch of 2 random images of 128 x 64 ...' in printed
    assert printed.count('  done in ') == 3

    graph = onnx.load(str(output)).graph
    assert [i.name for i in graph.input] == [INPUT_NAME]
    assert [o.name for o in graph.output] == list(OUTPUT_NAMES)
    dims = [d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
    assert dims == ['batch', 3, 'height', 'width']

    # Dynamic axes: batch 3 and a non-square 96 x 160 input, traced at 1 x 256 x 256.
    images = torch.randn(3, 3, 96, 160, generator=torch.Generator().manual_seed(1))
    session = onnxruntime.InferenceSession(str(output), providers=['CPUExecutionProvider'])
    heatmaps_and_tags, heatmaps_half = session.run(None, {INPUT_NAME: images.numpy()})
    with torch.no_grad():
        expected = _network(config, checkpoint)(images)
    assert heatmaps_and_tags.shape == (3, 34, 24, 40) == tuple(expected[0].shape)
    assert heatmaps_half.shape == (3, 17, 48, 80) == tuple(expected[1].shape)
    np.testing.assert_allclose(heatmaps_and_tags, expected[0].numpy(), rtol=0, atol=1e-4)
    np.testing.assert_allclose(heatmaps_half, expected[1].numpy(), rtol=0, atol=1e-4)


def test_fp16_onnx_has_half_weights_and_float32_input_and_outputs(tmp_path, tiny_coco_model):
    config, checkpoint = tiny_coco_model
    output = tmp_path / 'tiny_fp16.onnx'
    assert main(['export', '--fp16', '--config', str(config), '--checkpoint', str(checkpoint),
                 '--output', str(output)]) == 0
    model = onnx.load(str(output))
    float32 = onnx.TensorProto.FLOAT
    assert [t.type.tensor_type.elem_type for t in (*model.graph.input, *model.graph.output)] == [float32] * 3
    assert any(init.data_type == onnx.TensorProto.FLOAT16 for init in model.graph.initializer)


def test_export_refuses_sizes_that_are_not_multiples_of_32(tmp_path, tiny_coco_model):
    with pytest.raises(ValueError, match='multiples of 32'):
        export_onnx(_network(*tiny_coco_model), tmp_path / 'x.onnx', sample_size=(100, 128))


def test_running_the_onnx_file_refuses_sides_that_are_not_multiples_of_32(tmp_path, tiny_coco_model):
    path = export_onnx(_network(*tiny_coco_model), tmp_path / 'tiny.onnx', sample_size=(64, 64))
    assert [out.shape for out in onnx_forward(path, np.zeros((1, 3, 64, 96), np.float32))] == [
        (1, 34, 16, 24), (1, 17, 32, 48)]
    # onnxruntime itself would fail inside the graph with a broadcast error; we say why first.
    with pytest.raises(ValueError, match=r'multiples of 32, got 100 x 64 \(W x H\)'):
        onnx_forward(path, np.zeros((1, 3, 64, 100), np.float32))


@pytest.mark.skipif(HAS_TENSORRT, reason='TensorRT is installed here: the engine test below runs instead')
def test_tensorrt_export_without_tensorrt_says_so(tmp_path, tiny_coco_model, capsys):
    config, checkpoint = tiny_coco_model
    code = main(['export', '--format', 'tensorrt', '--config', str(config), '--checkpoint', str(checkpoint),
                 '--output', str(tmp_path / 'model.engine')])
    assert code == 2
    output = capsys.readouterr()
    assert 'TensorRT is not installed' in output.err
    assert 'loading' not in output.out  # checked before the model is loaded
    assert not (tmp_path / 'model.engine').exists()


@pytest.mark.skipif(not HAS_TENSORRT, reason='TensorRT is not installed (the tensorrt package needs an NVIDIA '
                                              'GPU); the engine build is checked on a GPU machine')
@pytest.mark.parametrize('fp16', [False, True])
def test_tensorrt_engine_builds(tmp_path, tiny_coco_model, fp16):
    config, checkpoint = tiny_coco_model
    output = tmp_path / 'model.engine'
    arguments = ['export', '--format', 'tensorrt', '--config', str(config), '--checkpoint', str(checkpoint),
                 '--output', str(output), '--min-size', '64', '--max-size', '256', '--max-batch-size', '2']
    assert main(arguments + (['--fp16'] if fp16 else [])) == 0
    assert output.stat().st_size > 0
