"""The network backends ``PoseEstimator`` can run, as data: what each needs and where it runs.

A backend runs the network only: the resize, the flip, the scale aggregation and the grouping stay
ours, so every backend goes through the same pipeline. ``torch`` is the model itself; the others
run the network's ONNX graph (``network_export.export_onnx``) in another runtime.

Each entry names the Python package it imports (checked before any model is loaded, so a missing
one costs one line, not a traceback), how to install it, the device types it runs on, and the class
(``module:Class``) that wraps the runtime as a network.
"""
import importlib
import importlib.util
from dataclasses import dataclass

DEFAULT_BACKEND = 'torch'


@dataclass(frozen=True)
class Backend:
    name: str
    package: str | None  # the module imported; None: nothing beyond torch
    install: str | None  # how to get it
    device_types: tuple  # torch device types it runs on
    network: str | None  # 'module:Class' of the wrapper; None: the PyTorch model itself
    note: str = ''  # said when the device type is refused


_HERE = 'higherhrnet.model_def.inference.backends'
BACKENDS = {backend.name: backend for backend in (
    Backend('torch', None, None, ('cpu', 'cuda'), None),
    Backend('onnxruntime', 'onnxruntime',
            'pip install onnxruntime==1.31.1 (for CUDA: onnxruntime-gpu of the same version instead)',
            ('cpu', 'cuda'), f'{_HERE}.onnxruntime_network:OnnxRuntimeNetwork'),
    Backend('openvino', 'openvino', 'pip install openvino==2026.4.1', ('cpu',),
            f'{_HERE}.openvino_network:OpenVinoNetwork',
            note='its GPU plugin is for Intel GPUs; on NVIDIA use tensorrt or onnxruntime'),
    Backend('tensorrt', 'tensorrt', 'pip install tensorrt (on a machine with an NVIDIA GPU and its driver)',
            ('cuda',), f'{_HERE}.tensorrt_network:TensorRTEngineNetwork',
            note='TensorRT runs on NVIDIA GPUs only: pass a CUDA device such as cuda:0'),
)}


class BackendError(ValueError):
    """A backend that cannot run here: unknown, its package missing, or the wrong device. One line."""


def backend_names():
    return list(BACKENDS)


def backend_named(name):
    """The ``Backend`` of ``name``; ``BackendError`` listing the backends when there is none."""
    if name not in BACKENDS:
        raise BackendError(f'unknown backend {name!r}; one of: {", ".join(BACKENDS)}')
    return BACKENDS[name]


def package_installed(backend):
    return not backend.package or importlib.util.find_spec(backend.package) is not None


def check_backend(name, device_types=()):
    """The ``Backend`` of ``name``, checked: known, its package importable, every device type one it
    runs on. Raises ``BackendError`` with one line saying what to do."""
    backend = backend_named(name)
    for device_type in device_types:
        if device_type not in backend.device_types:
            raise BackendError(f'backend {name!r} does not run on {device_type} (it runs on '
                               f'{" or ".join(backend.device_types)}){"; " + backend.note if backend.note else ""}')
    if not package_installed(backend):
        raise BackendError(f'backend {name!r} needs the Python package {backend.package!r}, which is not '
                           f'installed: {backend.install}')
    return backend


def network_class(backend):
    """The wrapper class of a checked ``Backend`` (imported only now: its runtime loads with it)."""
    module, _, name = backend.network.partition(':')
    return getattr(importlib.import_module(module), name)


class InputRefused(ValueError):
    """An input this backend's network cannot take (a TensorRT engine's sizes are fixed when it is
    built): the server answers the request that sent it with a 4xx, and the worker goes on."""
