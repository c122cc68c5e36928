"""The HigherHRNet network run from a TensorRT engine built by ``higherhrnet export --format tensorrt``.

``TensorRTNetwork`` stands in for the PyTorch network wherever the pipeline calls it:
``network(image)`` takes the ImageNet-normalised batch [N, 3, H, W] on the engine's GPU and returns
the two official outputs ``(heatmaps_and_tags [N, 2K, H/4, W/4], heatmaps_half [N, K, H/2, W/2])``
as float32 tensors on that GPU. It carries ``num_joints`` (read from the engine), ``test_cfg`` and
``dataset_meta`` like the PyTorch model, so ``PoseEstimator`` runs it unchanged.

Written for the TensorRT 10 Python API (named I/O tensors, ``execute_async_v3``). The engine's
tensor names are defined here; the export (``network_export``) imports them, so
that running an engine does not import the command-line package.
"""
from pathlib import Path

import torch

from .catalogue import InputRefused
from .device_module import DeviceModule

INPUT_NAME = 'image'
OUTPUT_NAMES = ('heatmaps_and_tags', 'heatmaps_half')

BUILD_HINT = ('build the engine on the GPU machine with `higherhrnet export --format tensorrt --output '
              'higherhrnet.engine --checkpoint <weights>` and pass its path')


def import_tensorrt():
    """The ``tensorrt`` module, or an ImportError that says what is needed and how to get an engine."""
    try:
        import tensorrt
    except ImportError:
        raise ImportError('running a TensorRT engine needs the `tensorrt` Python package (pip install tensorrt) '
                          f'and an NVIDIA GPU; {BUILD_HINT}') from None
    return tensorrt


def _torch_dtype(trt, data_type):
    dtypes = {trt.DataType.FLOAT: torch.float32, trt.DataType.HALF: torch.float16}
    if data_type not in dtypes:
        raise TypeError(f'engine tensors of type {data_type} are not supported (float32 or float16 expected)')
    return dtypes[data_type]


class TensorRTNetwork(DeviceModule):
    """A serialised TensorRT engine of the network, called like the PyTorch network (module docstring).

    Args:
        engine_path: the ``.engine`` file.
        device: the CUDA device to run on (``'cuda'`` means the current one).
        test_cfg, dataset_meta: the config's, for the pipeline (the engine holds only the network).
    """

    def __init__(self, engine_path, device='cuda', test_cfg=None, dataset_meta=None):
        device = torch.device(device)
        if device.type != 'cuda':
            raise ValueError(f'a TensorRT engine runs on an NVIDIA GPU, not on {device}: pass a CUDA device '
                             "such as 'cuda:0'")
        trt = import_tensorrt()
        if not torch.cuda.is_available():
            raise RuntimeError('a TensorRT engine needs CUDA, which is not available on this machine')
        if device.index is None:
            device = torch.device('cuda', torch.cuda.current_device())
        engine_path = Path(engine_path)
        if not engine_path.is_file():
            raise FileNotFoundError(f'no TensorRT engine file {engine_path}: {BUILD_HINT}')
        # an engine is bound to the GPU it was deserialised on
        super().__init__(device)
        self.trt = trt
        self.engine_path = engine_path
        self.test_cfg = dict(test_cfg or {})
        self.dataset_meta = dict(dataset_meta or {})
        with torch.cuda.device(device):
            self.runtime = trt.Runtime(trt.Logger(trt.Logger.WARNING))
            self.engine = self.runtime.deserialize_cuda_engine(engine_path.read_bytes())
            if self.engine is None:
                raise RuntimeError(f'{engine_path} is not a TensorRT engine this TensorRT '
                                   f'({trt.__version__}) can load (engines are tied to the TensorRT version '
                                   f'and GPU that built them); {BUILD_HINT}')
            self.context = self.engine.create_execution_context()
        names = {self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)}
        if names != {INPUT_NAME, *OUTPUT_NAMES}:
            raise ValueError(f'{engine_path} has the tensors {sorted(names)}, not those of a HigherHRNet engine '
                             f'({INPUT_NAME!r} -> {OUTPUT_NAMES[0]!r}, {OUTPUT_NAMES[1]!r}); {BUILD_HINT}')
        self.num_joints = int(self.engine.get_tensor_shape(OUTPUT_NAMES[1])[1])
        self.input_dtype = _torch_dtype(trt, self.engine.get_tensor_dtype(INPUT_NAME))
        # (min, opt, max) input shapes of the engine's one optimisation profile
        self.min_shape, _, self.max_shape = (tuple(shape) for shape in
                                             self.engine.get_tensor_profile_shape(INPUT_NAME, 0))

    def forward(self, image):
        if image.ndim != 4 or image.shape[1] != 3:
            raise ValueError(f'expected an image batch [N, 3, H, W], got {list(image.shape)}')
        height, width = image.shape[2:]
        (_, _, min_h, min_w), (max_batch, _, max_h, max_w) = self.min_shape, self.max_shape
        if not (min_h <= height <= max_h and min_w <= width <= max_w):
            raise InputRefused(f'input {height} x {width} is outside the sizes {self.engine_path.name} was built for '
                             f'({min_h} x {min_w} to {max_h} x {max_w}): rebuild it with other --min-size / '
                             '--max-size')
        image = image.to(self.device, self.input_dtype).contiguous()
        # the engine's profile caps the batch (export --max-batch-size): larger batches go in pieces
        with torch.cuda.device(self.device):
            pieces = [self._run(image[i:i + max_batch]) for i in range(0, len(image), max_batch)]
        return tuple(torch.cat([piece[k] for piece in pieces]) for k in range(len(OUTPUT_NAMES)))

    def _run(self, image):
        image = image.contiguous()
        if not self.context.set_input_shape(INPUT_NAME, tuple(image.shape)):
            raise ValueError(f'the engine refuses an input of shape {list(image.shape)}')
        self.context.set_tensor_address(INPUT_NAME, image.data_ptr())
        outputs = []
        for name in OUTPUT_NAMES:
            output = torch.empty(tuple(self.context.get_tensor_shape(name)),
                                 dtype=_torch_dtype(self.trt, self.engine.get_tensor_dtype(name)),
                                 device=self.device)
            self.context.set_tensor_address(name, output.data_ptr())
            outputs.append(output)
        # enqueued on PyTorch's stream, so the tensors are ready for whatever PyTorch does next
        stream = torch.cuda.current_stream(self.device)
        if not self.context.execute_async_v3(stream.cuda_stream):
            raise RuntimeError(f'TensorRT failed to run {self.engine_path.name} (see its log above)')
        return [output.float() for output in outputs]


def engine_cache_name(onnx_path, device, fp16):
    """The file name of the engine of ``onnx_path`` for the GPU ``device``: an engine only runs on
    the TensorRT version and GPU model that built it, so both are part of the name with the graph's
    hash and the precision."""
    import hashlib
    import re

    trt = import_tensorrt()
    digest = hashlib.sha256(Path(onnx_path).read_bytes()).hexdigest()[:12]
    gpu = re.sub(r'[^A-Za-z0-9]+', '-', torch.cuda.get_device_name(device)).strip('-')
    return f'higherhrnet-{digest}-{gpu}-trt{trt.__version__}-{"fp16" if fp16 else "fp32"}.engine'


class TensorRTEngineNetwork(TensorRTNetwork):
    """The engine of the ONNX graph ``onnx_path`` for ``device``, built once into ``cache_dir``
    (a worker's first start pays the build, its restarts load the file) and rebuilt when the cached
    file does not load (another TensorRT or GPU wrote it). ``fp16``: a float16 engine (TensorRT's FP16
    flag, or a graph exported with half weights on TensorRT 11; ``half_onnx_path`` gives that one).
    Inputs outside the profile sizes (``min_size``..``max_size``, batch up to ``max_batch_size``) are
    refused with one line."""

    def __init__(self, onnx_path, device='cuda', threads=None, cache_dir=None, fp16=False, half_onnx_path=None,
                 min_size=256, opt_size=512, max_size=1280, max_batch_size=8):
        import logging
        import tempfile

        from .network_export import build_tensorrt_engine, tensorrt_has_fp16_flag

        device = torch.device(device)
        if device.type != 'cuda':
            raise ValueError(f'a TensorRT engine runs on an NVIDIA GPU, not on {device}: pass a CUDA device '
                             "such as 'cuda:0'")
        import_tensorrt()
        if not torch.cuda.is_available():
            raise RuntimeError('a TensorRT engine needs CUDA, which is not available on this machine')
        if fp16 and not tensorrt_has_fp16_flag():
            if half_onnx_path is None:
                raise ValueError('this TensorRT has no FP16 flag: an fp16 engine needs the graph exported '
                                 'with half weights (half_onnx_path)')
            onnx_path, use_flag = half_onnx_path, False
        else:
            use_flag = fp16
        cache_dir = Path(cache_dir or tempfile.mkdtemp(prefix='higherhrnet-trt-'))
        engine = cache_dir / engine_cache_name(onnx_path, device, fp16)
        log = logging.getLogger(__name__)
        build = dict(fp16=use_flag, min_size=min_size, opt_size=opt_size, max_size=max_size,
                     max_batch_size=max_batch_size)
        if not engine.is_file():
            log.info('building the TensorRT engine %s (once per GPU model and TensorRT version)', engine)
            build_tensorrt_engine(onnx_path, engine, **build)
        try:
            super().__init__(engine, device)
        except (RuntimeError, ValueError) as error:
            # built by another TensorRT or for another GPU model: build it again, then start afresh
            log.warning('cached engine %s does not load (%s): rebuilding it', engine, str(error).splitlines()[0])
            build_tensorrt_engine(onnx_path, engine, **build)
            super().__init__(engine, device)
