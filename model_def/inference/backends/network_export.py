"""The network as an ONNX file (checked with onnxruntime) or a TensorRT engine.

The exported graph is the network only (no resizing, flip test or grouping): input ``image`` is an
ImageNet-normalised float32 batch [N, 3, H, W] with H and W multiples of 32; outputs are the two
network outputs in order: ``heatmaps_and_tags`` [N, 2K, H/4, W/4] (K heatmaps then K tags) and
``heatmaps_half`` [N, K, H/2, W/2]. Batch, height and width are dynamic.

Why multiples of 32: the lowest HRNet branch is at 1/32 of the input and the fuse layers upsample
it back by exact powers of two, so other sides give branches of unequal sizes. PyTorch's model
refuses such an input with a clear message, but that check is Python, not part of the traced graph:
onnxruntime fails deep inside with a broadcast error. ``check_input_size`` gives the clear message
on the ONNX side (``onnx_forward``, the export and the TensorRT profile).
"""
import copy
import warnings
from pathlib import Path

import numpy as np
import torch

from higherhrnet.model_def.pose_estimators.higherhrnet import INPUT_MULTIPLE
# the engine's tensor names: defined where engines are run, so that running one needs no CLI import
from .tensorrt_network import INPUT_NAME, OUTPUT_NAMES

DYNAMIC_AXES = {
    INPUT_NAME: {0: 'batch', 2: 'height', 3: 'width'},
    OUTPUT_NAMES[0]: {0: 'batch', 2: 'height_quarter', 3: 'width_quarter'},
    OUTPUT_NAMES[1]: {0: 'batch', 2: 'height_half', 3: 'width_half'},
}


class _NetworkOutputs(torch.nn.Module):
    """The network as a plain module returning its two outputs as a tuple (what an exporter traces).

    With ``half`` the weights are float16 while the graph's input and outputs stay float32, so an
    engine built from it is fed and read like the float32 one (the official FP16 test also casts
    the input to half and the outputs back to float).
    """

    def __init__(self, network, half=False):
        super().__init__()
        # A half copy: the caller's network stays as it was.
        self.network = copy.deepcopy(network).half() if half else network
        self.half = half

    def forward(self, image):
        if self.half:
            image = image.half()
        heatmaps_and_tags, heatmaps_half = self.network(image)
        return heatmaps_and_tags.float(), heatmaps_half.float()


def check_input_size(height, width, what='input'):
    """Refuse sides that are not multiples of 32 (see the module docstring) with a clear ValueError."""
    if height % INPUT_MULTIPLE or width % INPUT_MULTIPLE:
        raise ValueError(f'{what} sides must be multiples of {INPUT_MULTIPLE}, got {width} x {height} '
                         f'(W x H): pad or resize the image to multiples of {INPUT_MULTIPLE} '
                         '(PoseEstimator does)')


def export_onnx(network, path, *, sample_size=(512, 512), opset=17, half=False):
    """Write ``network`` (an eval-mode HigherHRNet) to the ONNX file ``path``; returns the path.

    ``sample_size`` (height, width) only shapes the traced example: the axes stay dynamic.
    """
    height, width = sample_size
    check_input_size(height, width, 'sample size')
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    parameter = next(network.parameters())
    wrapper = _NetworkOutputs(network, half=half).eval()
    sample = torch.zeros(1, 3, height, width, device=parameter.device)
    with torch.no_grad(), warnings.catch_warnings():
        # The TorchScript-based exporter takes dynamic_axes directly and needs no onnxscript; its
        # deprecation notices, and the tracer's note that the network's input-shape check is not
        # recorded in the graph (it only validates), would bury the command's output.
        warnings.simplefilter('ignore', DeprecationWarning)
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        torch.onnx.export(wrapper, (sample,), str(path), dynamo=False, opset_version=opset,
                          input_names=[INPUT_NAME], output_names=list(OUTPUT_NAMES),
                          dynamic_axes=DYNAMIC_AXES, do_constant_folding=True)
    return path


def onnx_forward(onnx_path, images, session=None):
    """The two outputs of the exported network for ``images`` with onnxruntime (CPU unless ``session``,
    an ``onnxruntime.InferenceSession`` of the file, says otherwise).

    images: a normalised float32 batch [N, 3, H, W] (numpy or torch), H and W multiples of 32.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f'images must be a batch [N, 3, H, W], got shape {images.shape}')
    check_input_size(*images.shape[2:])
    if session is None:
        import onnxruntime
        session = onnxruntime.InferenceSession(str(onnx_path), providers=['CPUExecutionProvider'])
    return session.run(list(OUTPUT_NAMES), {INPUT_NAME: images})


def onnx_max_differences(network, onnx_path, images):
    """Largest absolute difference between PyTorch and onnxruntime (CPU) for each output on ``images``.

    images: a normalised float32 batch [N, 3, H, W] (numpy or torch), H and W multiples of 32.
    """
    images = torch.as_tensor(np.asarray(images, dtype=np.float32))
    actual = onnx_forward(onnx_path, images)
    parameter = next(network.parameters())
    with torch.no_grad():
        expected = [out.float().cpu().numpy() for out in network(images.to(parameter.device))]
    differences = []
    for name, ours, theirs in zip(OUTPUT_NAMES, expected, actual):
        if ours.shape != theirs.shape:
            raise ValueError(f'onnxruntime output {name} has shape {theirs.shape}, PyTorch {ours.shape}')
        differences.append(float(np.abs(ours - theirs).max()))
    return differences


def build_tensorrt_engine(onnx_path, engine_path, *, fp16=False, min_size=256, opt_size=512, max_size=1280,
                          max_batch_size=8, workspace_gib=4.0):
    """Build a serialised TensorRT engine from an ONNX file of this network; returns its path.

    One optimisation profile: batch 1..max_batch_size, square sides min_size..max_size (multiples of
    32), tuned for a batch of 1 at opt_size. ``fp16`` uses the FP16 builder flag (TensorRT < 11); on
    TensorRT 11, which dropped that flag, build from an ONNX file exported with ``half=True`` instead.
    """
    try:
        import tensorrt as trt
    except ImportError:
        raise RuntimeError('TensorRT is not installed: building an engine needs the `tensorrt` Python '
                           'package on a machine with an NVIDIA GPU (pip install tensorrt); the ONNX '
                           'export (--format onnx) works everywhere') from None
    for side in (min_size, opt_size, max_size):
        check_input_size(side, side, 'engine profile')
    if not min_size <= opt_size <= max_size:
        raise ValueError(f'need min_size <= opt_size <= max_size, got {min_size}, {opt_size}, {max_size}')
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    major = int(trt.__version__.split('.')[0])
    # TensorRT 10+ networks are always explicit-batch; older versions need the flag.
    flags = 0 if major >= 10 else 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)
    network = builder.create_network(flags)
    parser = trt.OnnxParser(network, logger)
    if not parser.parse(Path(onnx_path).read_bytes()):
        errors = '; '.join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise RuntimeError(f'TensorRT cannot parse {onnx_path}: {errors}')
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(workspace_gib * (1 << 30)))
    if fp16:
        if not hasattr(trt.BuilderFlag, 'FP16'):
            raise RuntimeError(f'TensorRT {trt.__version__} has no FP16 builder flag: build from an ONNX '
                               'file exported with half weights (higherhrnet export --format tensorrt --fp16 '
                               'does that)')
        config.set_flag(trt.BuilderFlag.FP16)
    profile = builder.create_optimization_profile()
    profile.set_shape(INPUT_NAME, (1, 3, min_size, min_size), (1, 3, opt_size, opt_size),
                      (max_batch_size, 3, max_size, max_size))
    config.add_optimization_profile(profile)
    serialized = builder.build_serialized_network(network, config)
    if serialized is None:
        raise RuntimeError(f'TensorRT failed to build an engine from {onnx_path} (see its log above)')
    engine_path = Path(engine_path)
    engine_path.parent.mkdir(parents=True, exist_ok=True)
    engine_path.write_bytes(bytes(serialized))
    return engine_path


def tensorrt_has_fp16_flag():
    """Whether the installed TensorRT still has the FP16 builder flag (TensorRT 11 removed it)."""
    import tensorrt as trt
    return hasattr(trt.BuilderFlag, 'FP16')
