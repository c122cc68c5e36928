"""Network backends of the test-time pipeline: the PyTorch model (``torch``), or its ONNX graph run by
ONNX Runtime, OpenVINO or TensorRT. ``catalogue`` says what each needs, ``build`` makes one network
per device, ``network_export`` writes the graph and the TensorRT engine."""
from .build import build_networks
from .catalogue import BACKENDS, DEFAULT_BACKEND, BackendError, InputRefused, backend_names, check_backend

__all__ = ['BACKENDS', 'DEFAULT_BACKEND', 'BackendError', 'InputRefused', 'backend_names', 'build_networks',
           'check_backend']
