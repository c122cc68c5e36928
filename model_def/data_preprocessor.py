"""Batching and normalising packed bottom-up samples on their way into the network."""
import torch
from mmengine.model import BaseDataPreprocessor

from higherhrnet.registry import MODELS

# The per-sample target fields of a training sample: lists over the output sizes.
TARGET_FIELDS = ('heatmaps', 'masks', 'joint_indices')


@MODELS.register_module()
class BottomUpDataPreprocessor(BaseDataPreprocessor):
    """Training batches: the uint8 RGB images stacked and normalised to float32 [B, 3, S, S] with
    the official arithmetic (torchvision's ToTensor then Normalize: ``x / 255`` in float32, then
    ``(x - mean) / std`` with float32 mean and std), the targets moved to the device.

    Test batches (samples without targets): the uint8 [3, H, W] images returned as a list, moved
    to the device but not normalised (their sizes differ; the test-time pipeline resizes and
    normalises them itself), the data samples as they are.
    """

    def __init__(self, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), non_blocking=False):
        super().__init__(non_blocking=non_blocking)
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1), False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32).view(-1, 1, 1), False)

    def forward(self, data, training=False):
        inputs, data_samples = data['inputs'], data.get('data_samples')
        if not data_samples or not all(field in data_samples[0] for field in TARGET_FIELDS):
            return dict(inputs=[self.cast_data(image) for image in inputs], data_samples=data_samples)
        images = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
        images = self.cast_data(images).to(torch.float32).div(255)
        images = images.sub(self.mean).div(self.std)
        return dict(inputs=images, data_samples=[self._targets_to_device(sample) for sample in data_samples])

    def _targets_to_device(self, data_sample):
        # BaseDataElement.to() moves tensor fields only, not lists of tensors.
        for field in TARGET_FIELDS:
            data_sample.set_field([self.cast_data(tensor) for tensor in data_sample.get(field)], field)
        return data_sample
