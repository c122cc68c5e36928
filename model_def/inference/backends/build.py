"""One network per device for a backend: the PyTorch model itself, or its ONNX graph in a runtime.

The graph comes from the archive (``onnx_path``: exported and checked at ``make archive``) or is
exported here from the model (a few seconds for W32), into ``cache_dir`` or a temporary folder that
is gone once the runtimes have read it.
"""
import inspect
import tempfile
from pathlib import Path

import torch

from .catalogue import check_backend, network_class
from .network_export import export_onnx

GRAPH_FILE = 'higherhrnet.onnx'
HALF_GRAPH_FILE = 'higherhrnet_fp16.onnx'


def build_networks(name, model, devices, *, fp16=False, threads=None, onnx_path=None, cache_dir=None,
                   **options):
    """Networks of backend ``name`` for each of ``devices`` (torch devices), called like ``model``.

    ``threads``: the runtime's intra-op threads (default: PyTorch's, which the handler sets per
    worker); ``options``: the backend's own (e.g. ``precision`` of openvino), anything else is refused.
    """
    backend = check_backend(name, [device.type for device in devices])
    if backend.network is None:
        raise ValueError('build_networks runs the ONNX backends; torch runs the model itself')
    cls = network_class(backend)
    accepted = set(inspect.signature(cls).parameters) - {'onnx_path', 'device', 'threads', 'cache_dir',
                                                          'fp16', 'half_onnx_path'}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise TypeError(f'backend {name!r} takes no option {", ".join(map(repr, unknown))}; '
                        f'its options: {", ".join(sorted(accepted)) or "none"}')
    threads = threads or torch.get_num_threads()
    with tempfile.TemporaryDirectory(prefix='higherhrnet-graph-') as scratch:
        folder = Path(cache_dir) if cache_dir is not None else Path(scratch)
        if onnx_path is None:
            onnx_path = export_onnx(_on_cpu(model), folder / GRAPH_FILE)
        extra = {}
        if fp16:
            if 'fp16' not in inspect.signature(cls).parameters:
                raise ValueError(f'backend {name!r} has no fp16 mode')
            extra['fp16'] = True
            if 'half_onnx_path' in inspect.signature(cls).parameters:
                extra['half_onnx_path'] = export_onnx(_on_cpu(model), folder / HALF_GRAPH_FILE, half=True)
        return [cls(onnx_path, device=device, threads=threads, cache_dir=cache_dir, **extra, **options)
                for device in devices]


def _on_cpu(model):
    """The model to trace: itself when on the CPU (the export leaves it as it is)."""
    parameter = next(model.parameters())
    return model if parameter.device.type == 'cpu' else model.to('cpu')
