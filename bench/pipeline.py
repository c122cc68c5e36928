"""Per-stage milliseconds of ``PoseEstimator.predict`` for HigherHRNet-W32 512 on the CPU.

    .venv/bin/python bench/pipeline.py [--repeat 3] [--threads N]

Runs the shared ``sq512`` image with detweights ``coco_w32_512`` weights (30 people) through
``predict`` with flip test off and on (single scale 1, the other official settings) and prints, per
setting, the minimum over ``--repeat`` runs of each stage (preprocess, network, aggregation,
grouping, back-projection) and the share of everything but the network (goal: at most 10 %).
Wall-clock times on a loaded machine are noisy (the load average is printed first); ``--threads 1``
avoids the worst of OpenMP's spinning when other processes hold the cores.

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

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get('HIGHERHRNET_SHARED') or REPO_ROOT.parent / 'shared') / 'reference'
STAGES = ('preprocess', 'network', 'aggregation', 'grouping', 'back-projection')
GOAL_SHARE = 0.10


def detweights_estimator(directory):
    spec = importlib.util.spec_from_file_location('detweights', REFERENCE / 'detweights.py')
    detweights = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(detweights)
    keys = json.loads((REFERENCE / 'keys_coco_w32_512.json').read_text())
    checkpoint = Path(directory) / 'pose_higher_hrnet_w32_512_detweights.pth'
    torch.save(detweights.make_state_dict(keys), checkpoint)
    return PoseEstimator.from_config('higherhrnet_w32_coco_512', checkpoint)


def synthetic_image(size=512, seed=0):
    """A seeded BGR picture: smooth colour blobs (cubic upsampling of 16 x 16 random colours) and noise."""
    import cv2
    rng = np.random.RandomState(seed)
    coarse = rng.randint(0, 256, (16, 16, 3)).astype(np.uint8)
    smooth = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.int64)
    return np.clip(smooth + rng.randint(-6, 7, smooth.shape), 0, 255).astype(np.uint8)


def bench_inputs(directory):
    """(estimator, BGR image): the shared sq512 image with detweights, or seeded stand-ins without ../shared."""
    if (REFERENCE / 'detweights.py').is_file():
        image = np.load(REFERENCE / 'pipeline_coco_w32_512_sq512.npz')['sq512__image'][..., ::-1]
        return detweights_estimator(directory), np.ascontiguousarray(image)
    from higherhrnet.model_def.untrained import untrained_state_dict
    print(f'{REFERENCE} is absent (a user clone): a seeded synthetic 512 x 512 picture and the seeded untrained '
          'weights stand in for the sq512 image and detweights (other people: the figures differ from CI\'s)')
    config = 'higherhrnet_w32_coco_512'
    return PoseEstimator.from_config(config, untrained_state_dict(config)), synthetic_image()


def best_run(estimator, image, repeat, **options):
    """Stage seconds of the fastest of ``repeat`` runs (after one warm-up run), and its people."""
    estimator.predict(image, **options)
    best = None
    for _ in range(repeat):
        estimator.stage_seconds = {}
        start = time.perf_counter()
        result = estimator.predict(image, **options)
        estimator.stage_seconds['total'] = time.perf_counter() - start
        if best is None or estimator.stage_seconds['total'] < best['total']:
            best = estimator.stage_seconds
    estimator.stage_seconds = None
    return best, len(result['scores'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'load average {os.getloadavg()[0]:.2f} (1 min)')
    with tempfile.TemporaryDirectory() as directory:
        estimator, image = bench_inputs(directory)
        for flip in (False, True):
            seconds, people = best_run(estimator, image, args.repeat, flip_test=flip)
            outside = seconds['total'] - seconds['network']
            share = outside / seconds['total']
            stages = ', '.join(f'{stage} {seconds.get(stage, 0.0) * 1000:.1f}' for stage in STAGES)
            print(f'flip_test={flip!s:5} ({people} people) ms: {stages}; total {seconds["total"] * 1000:.1f}')
            print(f'    everything but the network: {outside * 1000:.1f} ms = {share:.1%} of the total '
                  f'(goal <= {GOAL_SHARE:.0%}: {"met" if share <= GOAL_SHARE else "NOT met"})')


if __name__ == '__main__':
    main()
