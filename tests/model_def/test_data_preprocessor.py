"""BottomUpDataPreprocessor: the official ToTensor + Normalize bit for bit, test batches untouched."""
import numpy as np
import pytest
import torch
from conftest import reference_path
from mmengine.structures import BaseDataElement

from higherhrnet.registry import MODELS


@pytest.fixture(scope='module')
def step_golden():
    with np.load(reference_path('train_step.npz')) as data:
        return dict(data)


@pytest.fixture
def preprocessor():
    return MODELS.build(dict(type='higherhrnet.BottomUpDataPreprocessor'))


def training_sample(golden, case, output_sizes=(64, 128)):
    """A packed training sample rebuilt from the official arrays of one train_step case."""
    image = torch.from_numpy(np.ascontiguousarray(golden[f'{case}__image'].transpose(2, 0, 1)))
    sample = BaseDataElement(metainfo=dict(img_id=int(golden[f'{case}__image_id'])))
    sample.heatmaps = [torch.from_numpy(golden[f'{case}__r{r}__heatmaps']) for r in output_sizes]
    sample.masks = [torch.from_numpy(golden[f'{case}__r{r}__mask'].astype(np.float32)) for r in output_sizes]
    sample.joint_indices = [torch.from_numpy(golden[f'{case}__r{r}__joint_indices'].astype(np.int64))
                            for r in output_sizes]
    return image, sample


def test_training_batch_is_normalised_exactly_as_the_official_input(step_golden, preprocessor):
    images, samples = zip(*(training_sample(step_golden, str(case)) for case in step_golden['batch_cases']))
    out = preprocessor(dict(inputs=list(images), data_samples=list(samples)), training=True)
    assert out['inputs'].dtype == torch.float32 and out['inputs'].shape == (2, 3, 256, 256)
    np.testing.assert_array_equal(out['inputs'].numpy(), step_golden['input'])
    assert out['data_samples'][0].heatmaps[1].shape == (17, 128, 128)
    assert out['data_samples'][1].joint_indices[0].dtype == torch.int64


def test_test_batch_keeps_the_uint8_images_of_any_size(preprocessor):
    images = [torch.randint(0, 256, (3, 40, 60), dtype=torch.uint8), torch.zeros(3, 20, 10, dtype=torch.uint8)]
    samples = [BaseDataElement(metainfo=dict(img_id=1)), BaseDataElement(metainfo=dict(img_id=2))]
    out = preprocessor(dict(inputs=images, data_samples=samples))
    assert [image.dtype for image in out['inputs']] == [torch.uint8, torch.uint8]
    assert all(torch.equal(a, b) for a, b in zip(out['inputs'], images))
    assert out['data_samples'] is samples


def test_mean_and_std_are_not_part_of_a_checkpoint(preprocessor):
    assert preprocessor.state_dict() == {}
