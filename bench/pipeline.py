"""Per-stage milliseconds of ``PoseEstimator.predict`` for HigherHRNet-W32 512 on the CPU, for every
network backend available, interleaved in one run.

    .venv/bin/python bench/pipeline.py [--repeat 5] [--threads N] [--backends torch openvino ...]

Runs the shared ``sq512`` image with detweights ``coco_w32_512`` weights (30 people) through
``predict`` with flip test off and on (single scale 1, the other official settings). Each round runs
every backend once, in turn, so a change in the machine's load touches all of them alike; per backend
and setting it prints the minimum over ``--repeat`` rounds of each stage (preprocess, network,
aggregation, grouping, back-projection), the end-to-end speed-up over torch and the share of everything
but the network (goal: at most 10 %).

With OpenVINO it also runs OpenVINO's own ``compile_model`` + ``infer`` on the same ONNX graph and the
same network inputs (no pipeline around it), interleaved with the rest, and prints our network stage
against it (goal: within 5 %). ``openvino-bf16`` (OpenVINO's default precision on CPUs with AMX or
AVX-512 BF16) is measured with what it gives up: the largest heatmap difference and the joints that
move by more than 0.01 px, against torch.

Wall-clock times on a loaded machine are noisy (the load average is printed first and last).
Where ``../shared/reference`` is absent (a user's clone; ``HIGHERHRNET_SHARED`` moves it), it runs a
seeded synthetic 512 x 512 picture with the project's seeded untrained weights instead, and says so.
"""
import argparse
import importlib.util
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from higherhrnet.model_def import PoseEstimator
from higherhrnet.model_def.inference.backends import BACKENDS, BackendError, check_backend

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get('HIGHERHRNET_SHARED') or REPO_ROOT.parent / 'shared') / 'reference'
CONFIG = 'higherhrnet_w32_coco_512'
STAGES = ('preprocess', 'network', 'aggregation', 'grouping', 'back-projection')
GOAL_SHARE = 0.10
GOAL_SPEED_UP = 1.25
GOAL_NETWORK_OVERHEAD = 0.05
# name -> (backend, backend options): what a column of the table runs
VARIANTS = {
    'torch': ('torch', {}),
    'onnxruntime': ('onnxruntime', {}),
    'openvino': ('openvino', {}),
    'openvino-bf16': ('openvino', {'precision': 'bf16'}),
}


def detweights_checkpoint(directory):
    spec = importlib.util.spec_from_file_location('detweights', REFERENCE / 'detweights.py')
    detweights = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(detweights)
    keys = json.loads((REFERENCE / 'keys_coco_w32_512.json').read_text())
    checkpoint = Path(directory) / 'pose_higher_hrnet_w32_512_detweights.pth'
    torch.save(detweights.make_state_dict(keys), checkpoint)
    return checkpoint


def synthetic_image(size=512, seed=0):
    """A seeded BGR picture: smooth colour blobs (cubic upsampling of 16 x 16 random colours) and noise."""
    import cv2
    rng = np.random.RandomState(seed)
    coarse = rng.randint(0, 256, (16, 16, 3)).astype(np.uint8)
    smooth = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.int64)
    return np.clip(smooth + rng.randint(-6, 7, smooth.shape), 0, 255).astype(np.uint8)


def bench_inputs(directory):
    """(weights, BGR image): detweights and the shared sq512 image, or seeded stand-ins without ../shared."""
    if (REFERENCE / 'detweights.py').is_file():
        image = np.load(REFERENCE / 'pipeline_coco_w32_512_sq512.npz')['sq512__image'][..., ::-1]
        return detweights_checkpoint(directory), np.ascontiguousarray(image)
    from higherhrnet.model_def.untrained import untrained_state_dict
    print(f'{REFERENCE} is absent (a user clone): a seeded synthetic 512 x 512 picture and the seeded untrained '
          'weights stand in for the sq512 image and detweights (other people: the figures differ from CI\'s)')
    return untrained_state_dict(CONFIG), synthetic_image()


def timed_predict(estimator, image, **options):
    """Stage seconds (and 'total') of one predict call, and its result."""
    estimator.stage_seconds = {}
    start = time.perf_counter()
    result = estimator.predict(image, return_heatmaps=True, **options)
    seconds = dict(estimator.stage_seconds, total=time.perf_counter() - start)
    estimator.stage_seconds = None
    return seconds, result


class OpenVinoOwn:
    """OpenVINO's own way, for comparison: compile_model on the graph file and infer on each input."""

    def __init__(self, graph, threads, inputs):
        import openvino
        self.compiled = openvino.Core().compile_model(str(graph), 'CPU', {
            'INFERENCE_NUM_THREADS': threads, 'INFERENCE_PRECISION_HINT': 'f32', 'PERFORMANCE_HINT': 'LATENCY'})
        self.request = self.compiled.create_infer_request()
        self.inputs = inputs

    def __call__(self):
        start = time.perf_counter()
        for array in self.inputs:
            self.request.infer({0: array})
        return time.perf_counter() - start


def network_inputs(estimator, image, flip):
    """The normalised network inputs predict makes of ``image`` (and its mirror with flip), one array each."""
    test_cfg = dict(estimator.test_cfg, flip_test=flip, scale_factor=[1])
    inputs, _, _ = estimator._network_inputs([image], test_cfg, 1, torch.device('cpu'))
    arrays = [inputs.numpy()]
    if flip:
        arrays.append(np.ascontiguousarray(torch.flip(inputs, [3]).numpy()))
    return arrays


def precision_cost(result, reference):
    """(largest heatmap difference, joints moved by more than 0.01 px or changed people count)."""
    heat = float(np.abs(result['heatmaps'] - reference['heatmaps']).max())
    if result['keypoints'].shape != reference['keypoints'].shape:
        return heat, f'{len(result["scores"])} people instead of {len(reference["scores"])}'
    moved = np.abs(result['keypoints'][..., :2] - reference['keypoints'][..., :2]).max(-1) > 0.01
    return heat, f'{int(moved.sum())} of {moved.size} joints moved by more than 0.01 px'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--backends', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    print(f'torch {torch.__version__}, {threads} threads, load average {os.getloadavg()[0]:.2f} (1 min)')
    with tempfile.TemporaryDirectory() as directory:
        weights, image = bench_inputs(directory)
        estimators = {}
        for name in args.backends:
            backend, options = VARIANTS[name]
            try:
                check_backend(backend)
            except BackendError as error:
                print(f'{name}: left out ({error})')
                continue
            cache = Path(directory) / name
            estimators[name] = PoseEstimator.from_config(
                CONFIG, weights, backend=backend,
                **({'backend_options': dict(options, cache_dir=cache)} if backend != 'torch' else {}))
        graph = Path(directory) / 'openvino' / 'higherhrnet.onnx'
        for flip in (False, True):
            own = None
            if graph.is_file():
                own = OpenVinoOwn(graph, threads, network_inputs(next(iter(estimators.values())), image, flip))
            best, results = {}, {}
            for name, estimator in estimators.items():  # warm-up
                _, results[name] = timed_predict(estimator, image, flip_test=flip)
            own_best = own() if own else None
            for _ in range(args.repeat):
                for name, estimator in estimators.items():
                    seconds, _ = timed_predict(estimator, image, flip_test=flip)
                    if name not in best or seconds['total'] < best[name]['total']:
                        best[name] = seconds
                if own:
                    own_best = min(own_best, own())
            print(f'\nflip_test={flip} ({len(results[next(iter(results))]["scores"])} people), ms, best of '
                  f'{args.repeat}:')
            torch_total = best.get('torch', {}).get('total')
            for name, seconds in best.items():
                stages = ', '.join(f'{stage} {seconds.get(stage, 0.0) * 1000:.1f}' for stage in STAGES)
                line = f'  {name:14} total {seconds["total"] * 1000:7.1f} ({stages})'
                if torch_total and name != 'torch':
                    speed_up = torch_total / seconds['total']
                    line += f'; {speed_up:.2f}x torch end to end'
                    if name == 'openvino':
                        line += f' (goal >= {GOAL_SPEED_UP}x: {"met" if speed_up >= GOAL_SPEED_UP else "NOT met"})'
                print(line)
                outside = (seconds['total'] - seconds['network']) / seconds['total']
                print(f'  {"":14} everything but the network: {outside:.1%} of the total')
                if name != 'torch' and 'torch' in results:
                    heat, joints = precision_cost(results[name], results['torch'])
                    print(f'  {"":14} against torch: heatmaps differ by up to {heat:.1e}; {joints}')
            if own and 'openvino' in best:
                ours = best['openvino']['network']
                overhead = ours / own_best - 1
                print(f'  openvino network stage {ours * 1000:.1f} ms against OpenVINO\'s own compile_model + infer '
                      f'on the same graph and inputs {own_best * 1000:.1f} ms: {overhead:+.1%} (goal <= '
                      f'{GOAL_NETWORK_OVERHEAD:.0%}: {"met" if overhead <= GOAL_NETWORK_OVERHEAD else "NOT met"})')
    print(f'\nload average {os.getloadavg()[0]:.2f} (1 min)')


if __name__ == '__main__':
    main()
