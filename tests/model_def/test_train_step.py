"""Two Adam steps of HigherHRNet-W32 against the official training code (train_step.npz).

Same detweights weights, the same two-image batch and targets (official dataset output at input
256), the model in train mode, mmengine's OptimWrapper around torch.optim.Adam with the official
settings (lr 1e-3, no weight decay), one ``train_step`` per iteration (forward in mode='loss',
parse_losses, backward, step), and the losses of iteration 2 from a third forward.

float64 (``model.double()``) holds the complete procedure to 1e-7: the loss terms of iterations
0, 1, 2 and the stored parameters and BatchNorm buffers after two steps (measured: losses 1e-12
relative, parameters 1e-11 absolute). float32 is checked at iteration 0 only: train-mode BatchNorm
backward cancels so strongly at these weights that the first float32 gradient already differs by
up to 0.4 % between 1 and 2 threads, even in the official code, and Adam's first update (about
+-lr * sign(g) per element) turns that into ~1e-3 / ~1e-2 relative loss differences at iterations
1 / 2 (see the reference README). About 30 s on one thread.
"""
import json

import numpy as np
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.structures import BaseDataElement

from conftest import load_detweights, reference_path
from higherhrnet.model_def import HigherHRNet
from higherhrnet.model_def.checkpoint import to_official_state_dict

# a W32 network on two 256 x 256 images: one thread is faster than two on a loaded 2-core machine
pytestmark = pytest.mark.usefixtures('one_torch_thread')

OUTPUT_SIZES = (64, 128)
# our loss term -> the official per-image key (iteration k: 'step<k>__<key>')
TERMS = {'loss_heatmap_0': 'heatmaps_loss0', 'loss_push': 'push_loss0', 'loss_pull': 'pull_loss0',
         'loss_heatmap_1': 'heatmaps_loss1'}
F64_LOSS_RTOL = 1e-7
F64_PARAM_ATOL = 1e-7
F32_LOSS_RTOL = 1e-5
F32_OUTPUT_ATOL = 2e-4  # float32 convolutions: the official code itself moves 1.5e-4 with the threads


@pytest.fixture(scope='module')
def golden():
    return np.load(reference_path('train_step.npz'))


def official_model(dtype):
    """HigherHRNet-W32 (17 joints) with the detweights weights, in train mode."""
    model = HigherHRNet(backbone=dict(type='HRNet', width=32),
                        head=dict(type='HigherHRNetHead', in_channels=32, num_joints=17))
    keys = json.loads(reference_path('keys_coco_w32_512.json').read_text())
    model.load_state_dict(load_detweights().make_state_dict(keys))
    return model.to(dtype).train()


def golden_batch(golden, dtype):
    """The batch as our data preprocessor hands it over: inputs [2, 3, 256, 256] (in the model's
    precision) and per-image targets (float32 heatmaps, 0/1 float32 masks, int64 joint indices)."""
    samples = []
    for case in golden['batch_cases']:
        def per_size(key, as_type):
            return [torch.from_numpy(golden[f'{case}__r{r}__{key}'].astype(as_type)) for r in OUTPUT_SIZES]
        samples.append(BaseDataElement(heatmaps=per_size('heatmaps', np.float32), masks=per_size('mask', np.float32),
                                       joint_indices=per_size('joint_indices', np.int64)))
    return dict(inputs=torch.from_numpy(golden['input']).to(dtype), data_samples=samples)


def assert_terms(losses, golden, prefix, step, rtol):
    for ours, official in TERMS.items():
        expected = golden[f'{prefix}step{step}__{official}'].astype(np.float64).mean()
        np.testing.assert_allclose(losses[ours].item(), expected, rtol=rtol, err_msg=f'step {step} {ours}')
    np.testing.assert_allclose(losses['loss'].item(), golden[f'{prefix}step{step}__total_loss'], rtol=rtol,
                               err_msg=f'step {step} total')


@pytest.fixture(scope='module')
def float64_run(golden):
    """Losses of iterations 0, 1, 2 and the official-named state after two steps, in float64."""
    model = official_model(torch.float64)
    optim_wrapper = build_optim_wrapper(model, dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0)))
    data = golden_batch(golden, torch.float64)
    losses = [model.train_step(data, optim_wrapper) for _ in range(2)]
    state_after2 = {k: v.clone() for k, v in to_official_state_dict(model).items()}
    with torch.no_grad():
        terms = model(**data, mode='loss')
    total, _ = model.parse_losses(terms)
    losses.append({'loss': total, **terms})
    return losses, state_after2, optim_wrapper


def test_optimizer_is_the_official_adam(float64_run):
    optimizer = float64_run[2].optimizer
    assert type(optimizer) is torch.optim.Adam and len(optimizer.param_groups) == 1
    group = optimizer.param_groups[0]
    assert (group['lr'], group['betas'], group['eps'], group['weight_decay'], group['amsgrad']) == (
        1e-3, (0.9, 0.999), 1e-8, 0, False)


@pytest.mark.parametrize('step', [0, 1, 2])
def test_float64_losses_equal_the_official_ones(float64_run, golden, step):
    assert_terms(float64_run[0][step], golden, 'f64__', step, F64_LOSS_RTOL)


def test_float64_parameters_after_two_steps_equal_the_official_ones(float64_run, golden):
    state = float64_run[1]
    names = [key[len('f64__after2__'):] for key in golden.files if key.startswith('f64__after2__')]
    assert len(names) == 14
    for name in names:
        np.testing.assert_allclose(state[name].double().numpy(), golden[f'f64__after2__{name}'], rtol=0,
                                   atol=F64_PARAM_ATOL, err_msg=name)
    # every state entry (parameters and BatchNorm buffers) by its sum
    assert list(state) == list(golden['state_names'])
    sums = np.array([value.double().sum().item() for value in state.values()])
    np.testing.assert_allclose(sums, golden['f64__state_sums_after2'], rtol=1e-9, atol=1e-9)


def test_float32_first_iteration_equals_the_official_one(golden):
    model, data = official_model(torch.float32), golden_batch(golden, torch.float32)
    with torch.no_grad():
        outputs = model(data['inputs'])
        terms = model(**data, mode='loss')
    for i, output in enumerate(outputs):
        np.testing.assert_allclose(output.numpy(), golden[f'step0__output{i}'], rtol=0, atol=F32_OUTPUT_ATOL)
    total, _ = model.parse_losses(terms)
    assert_terms({'loss': total, **terms}, golden, '', 0, F32_LOSS_RTOL)
