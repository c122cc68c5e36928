"""The test-time pipeline: ``PoseEstimator`` (images in, people out), its geometry (sizes, the
resize-and-align warp, the way back), the test-time augmentation (flip, scales), the network backends
it can run (``backends/``: the PyTorch model, or its ONNX graph in ONNX Runtime, OpenVINO or TensorRT) and the JSON form of its people."""
from .estimator import PoseEstimator

__all__ = ['PoseEstimator']
