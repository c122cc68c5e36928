"""What the runtimes that run the network's ONNX graph share: called like the PyTorch network.

``network(image)`` takes the ImageNet-normalised float32 batch [N, 3, H, W] (H and W multiples of 32,
as ``PoseEstimator`` makes them) and returns the two outputs of the official network,
``(heatmaps_and_tags [N, 2K, H/4, W/4], heatmaps_half [N, K, H/2, W/2])``, as float32 tensors on the
network's device.
"""
import numpy as np
import torch

from .device_module import DeviceModule
from .network_export import check_input_size


class GraphNetwork(DeviceModule):
    """Base of the wrappers: checks the input, hands a contiguous float32 array to ``run_arrays``."""

    def forward(self, image):
        if image.ndim != 4 or image.shape[1] != 3:
            raise ValueError(f'expected an image batch [N, 3, H, W], got {list(image.shape)}')
        check_input_size(*image.shape[2:])
        array = np.ascontiguousarray(image.detach().to('cpu', torch.float32).numpy())
        return tuple(torch.from_numpy(np.asarray(output, dtype=np.float32)).to(self.device)
                     for output in self.run_arrays(array))

    def run_arrays(self, image):
        """The two outputs (numpy arrays) of the network for the float32 array ``image``."""
        raise NotImplementedError
