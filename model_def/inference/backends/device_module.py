"""A module that holds no weights but says where it runs, as the PyTorch network does."""
import torch


class DeviceModule(torch.nn.Module):
    """Base of the backend networks: their weights live in a runtime (ONNX Runtime, OpenVINO, a TensorRT
    engine), so an empty parameter tells code that asks a module where it runs
    (``next(model.parameters()).device``) which device that is."""

    def __init__(self, device):
        super().__init__()
        self.device_marker = torch.nn.Parameter(torch.empty(0, device=torch.device(device)), requires_grad=False)

    @property
    def device(self):
        return self.device_marker.device
