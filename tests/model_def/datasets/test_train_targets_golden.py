"""Every case of train_targets.npz: our dataset and training transforms against the official
``__getitem__`` (affine, flip, masks, joints, heatmaps, joint indices), exactly; and the two
input-256 samples of train_step.npz through ``dataset[i]`` and the data preprocessor."""
import random

import numpy as np
import pytest
import torch
from conftest import SHARED_REFERENCE, reference_path
from datasets_testdata import OUTPUT_SIZES, PinnedAffine, PinnedFlip, training_pipeline, write_golden_dataset

from higherhrnet.model_def.datasets import BottomUpCocoDataset, UnusableSampleError
from higherhrnet.registry import MODELS

GOLDEN = SHARED_REFERENCE / 'train_targets.npz'
CASES = [str(name) for name in np.load(GOLDEN)['case_names']] if GOLDEN.exists() else []


@pytest.fixture(scope='module')
def golden():
    with np.load(reference_path('train_targets.npz')) as data:
        return dict(data)


@pytest.fixture(scope='module')
def synth_root(golden, tmp_path_factory):
    return write_golden_dataset(golden, tmp_path_factory.mktemp('synth'))


def synth_dataset(root, **pipeline_args):
    return BottomUpCocoDataset(data_root=str(root), ann_file='annotations/person_keypoints_synth.json',
                               data_prefix=dict(img='images/synth/'), pipeline=training_pipeline(**pipeline_args))


@pytest.fixture(scope='module')
def dataset(synth_root):
    return synth_dataset(synth_root)


def index_of(dataset, img_id):
    return [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))].index(int(img_id))


def case_keys(golden, case):
    prefix = f'{case}__'
    return {key[len(prefix):]: value for key, value in golden.items() if key.startswith(prefix)}


def pipeline_of(dataset, expected):
    """The dataset's transforms before packing; forced cases get their draws pinned."""
    load, affine, flip, targets, pack = dataset.pipeline.transforms
    if bool(expected['forced']):
        draws = (float(expected['aug_scale']), float(expected['aug_rot']), int(expected['dx']), int(expected['dy']))
        affine = PinnedAffine(draws, **vars(affine))
        flip = PinnedFlip(bool(expected['flipped']), **vars(flip))
    return [load, affine, flip, targets], pack


def test_dataset_lists_the_official_images(golden, dataset):
    ids = [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))]
    assert ids == golden['dataset__synth__ids'].tolist()
    assert set(golden['dataset__synth__image_ids_all'].tolist()) - set(ids) == {108}  # s7: no annotation


@pytest.mark.parametrize('case', CASES)
def test_case_equals_the_official_sample(golden, dataset, case):
    expected = case_keys(golden, case)
    results = dataset.get_data_info(index_of(dataset, expected['image_id']))
    np.testing.assert_array_equal(results['loss_mask'], expected['mask_orig'])
    np.testing.assert_array_equal(results['people'], expected['joints_orig'])
    assert results['person_ann_ids'] == expected['person_ann_ids'].tolist()

    transforms, pack = pipeline_of(dataset, expected)
    np.random.seed(int(expected['seed']))
    random.seed(int(expected['seed']))
    if 'raises' in expected:
        with pytest.raises(UnusableSampleError, match=expected['file_name'].item()) as error:
            for transform in transforms:
                results = transform(results)
        reason = 'max_num_people' if 'IndexError' in str(expected['raises']) else 'too small to translate'
        assert reason in str(error.value)
        return
    for transform in transforms:
        results = transform(results)

    assert results['aug_scale'] == expected['aug_scale'] and results['aug_rot'] == expected['aug_rot']
    assert results['translate'] == (expected['dx'], expected['dy']) and results['flip'] == expected['flipped']
    np.testing.assert_array_equal(results['input_matrix'], expected['mat_input'])
    np.testing.assert_array_equal(results['img'], expected['image'])
    for i, size in enumerate(OUTPUT_SIZES):
        np.testing.assert_array_equal(results['output_matrices'][i], expected[f'r{size}__mat'])
        np.testing.assert_array_equal(results['masks'][i], expected[f'r{size}__mask'].astype(np.float32))
        np.testing.assert_array_equal(results['joints'][i], expected[f'r{size}__joints'])
        np.testing.assert_array_equal(results['heatmaps'][i], expected[f'r{size}__heatmaps'])
        np.testing.assert_array_equal(results['joint_indices'][i], expected[f'r{size}__joint_indices'])

    packed = pack(results)
    np.testing.assert_array_equal(packed['inputs'].permute(1, 2, 0).numpy(), expected['image'])
    sample = packed['data_samples']
    assert sample.img_id == expected['image_id'] and sample.ori_shape == tuple(expected['orig_hw'])
    for i, size in enumerate(OUTPUT_SIZES):
        np.testing.assert_array_equal(sample.heatmaps[i].numpy(), expected[f'r{size}__heatmaps'])
        np.testing.assert_array_equal(sample.joint_indices[i].numpy(), expected[f'r{size}__joint_indices'])


def test_getitem_and_preprocessor_equal_the_official_input_256_batch(synth_root):
    with np.load(reference_path('train_step.npz')) as data:
        step = dict(data)
    dataset = synth_dataset(synth_root, input_size=256, output_sizes=[64, 128])
    samples = []
    for case in step['batch_cases']:
        expected = case_keys(step, case)
        np.random.seed(int(expected['seed']))
        random.seed(int(expected['seed']))
        samples.append(dataset[index_of(dataset, expected['image_id'])])
        sample = samples[-1]['data_samples']
        assert sample.flip == expected['flipped'] and sample.translate == (expected['dx'], expected['dy'])
        for i, size in enumerate([64, 128]):
            np.testing.assert_array_equal(sample.masks[i].numpy(), expected[f'r{size}__mask'].astype(np.float32))
            np.testing.assert_array_equal(sample.heatmaps[i].numpy(), expected[f'r{size}__heatmaps'])
            np.testing.assert_array_equal(sample.joint_indices[i].numpy(), expected[f'r{size}__joint_indices'])
    preprocessor = MODELS.build(dict(type='higherhrnet.BottomUpDataPreprocessor'))
    batch = preprocessor(dict(inputs=[s['inputs'] for s in samples], data_samples=[s['data_samples'] for s in samples]),
                         training=True)
    assert batch['inputs'].dtype == torch.float32
    np.testing.assert_array_equal(batch['inputs'].numpy(), step['input'])
