"""Training throughput of HigherHRNet-W32 512: the data pipeline per worker and the train step.

    .venv/bin/python bench/train.py [--images 8] [--batch-size 2] [--steps 3] [--threads N]

Data: a synthetic COCO-format set of ``--images`` 640 x 480 JPEGs with 4 drawn people each, read
through the config's training pipeline in this process (one data worker's work): samples/s and the
milliseconds of its stages: annotations (the item and its decoded ignore mask), decode (LoadImage),
augment (random affine + flip) and targets (heatmaps, joint indices, packing).

Train step (forward, the four losses, backward, Adam) of the config's model at ``--batch-size``
(default 2) on the CPU: seconds per step (fastest and median of ``--steps`` after one warm-up) and
the peak resident memory of the process during the steps.

With CUDA (one GPU): images/s per GPU in float32 and with AMP at the official 12 images per GPU,
the peak GPU memory, and the data pipeline's share: the time 4 workers (the official WORKERS) need
for a batch relative to the GPU's step.
"""
import argparse
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DATASETS, MODELS

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / 'tests'))  # the synthetic dataset writer of the tests
from keypoint_testdata import write_drawn_dataset  # noqa: E402

CONFIG = REPO_ROOT / 'registry' / 'configs' / 'higherhrnet_w32_coco_512.py'
OFFICIAL_IMAGES_PER_GPU, OFFICIAL_WORKERS = 12, 4
STAGES = {'LoadImage': 'decode', 'BottomUpRandomAffine': 'augment', 'BottomUpRandomFlip': 'augment',
          'GenerateBottomUpTargets': 'targets', 'PackBottomUpInputs': 'targets'}


def training_dataset(cfg, root, num_images):
    write_drawn_dataset(root, cfg.train_dataloader.dataset.ann_file, cfg.train_dataloader.dataset.data_prefix.img,
                        num_images=num_images, height=480, width=640, people=4)
    dataset_cfg = cfg.train_dataloader.dataset.copy()
    dataset_cfg.data_root = str(root)
    return DATASETS.build(dataset_cfg)


def time_pipeline(dataset, rounds=2):
    """(samples/s, stage -> ms per sample) of the pipeline in this process."""
    seconds = dict.fromkeys(['annotations', *STAGES.values()], 0.0)
    samples = 0
    for _ in range(rounds):
        for index in range(len(dataset)):
            start = time.perf_counter()
            results = dataset.get_data_info(index)  # the people rows and the decoded loss mask
            seconds['annotations'] += time.perf_counter() - start
            for transform in dataset.pipeline.transforms:
                start = time.perf_counter()
                results = transform(results)
                seconds[STAGES[type(transform).__name__]] += time.perf_counter() - start
            samples += 1
    total = sum(seconds.values())
    return samples / total, {stage: 1000 * value / samples for stage, value in seconds.items()}


def time_train_step(model, optim_wrapper, batch, steps, device):
    """(seconds per step of each of ``steps`` steps after one warm-up, peak memory in GiB)."""
    def step():
        model.train_step(batch, optim_wrapper)
        if device.type == 'cuda':
            torch.cuda.synchronize()

    step()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    if device.type == 'cuda':
        peak = torch.cuda.max_memory_allocated() / 2 ** 30
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20  # KiB on Linux
    return times, peak


def build_model(cfg, device, amp):
    model_cfg = cfg.model.copy()
    model_cfg.backbone.init_cfg = None  # the official initialisation without the ImageNet file: same speed
    model = MODELS.build(model_cfg).to(device)
    # outside a Runner (no log file) mmengine prints a few lines per parameter: keep the figures readable
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    optim_cfg = cfg.optim_wrapper.copy()
    optim_cfg.pop('loss_scale', None)
    optim_cfg.type = 'AmpOptimWrapper' if amp else 'OptimWrapper'
    if amp:
        optim_cfg.loss_scale = 'dynamic'
    return model, build_optim_wrapper(model, optim_cfg)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=8)
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'load average {os.getloadavg()[0]:.2f} (1 min)')
    cfg = Config.fromfile(str(CONFIG))
    with tempfile.TemporaryDirectory() as root:
        dataset = training_dataset(cfg, root, args.images)
        rate, stages = time_pipeline(dataset)
        print(f'data pipeline, one worker, 640x480 images with 4 people -> 512 input: {rate:.1f} samples/s; '
              'ms per sample: ' + ', '.join(f'{stage} {ms:.1f}' for stage, ms in stages.items()))
        data_seconds_per_image = 1 / rate

        cpu = torch.device('cpu')
        batch = pseudo_collate([dataset[i % len(dataset)] for i in range(args.batch_size)])
        model, optim_wrapper = build_model(cfg, cpu, amp=False)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
        times, peak = time_train_step(model, optim_wrapper, batch, args.steps, cpu)
        print(f'train step, {CONFIG.stem}, batch {args.batch_size}, CPU float32: fastest {min(times):.2f} s, '
              f'median {statistics.median(times):.2f} s ({args.batch_size / min(times):.2f} images/s); '
              f'peak RSS {peak:.2f} GiB ({rss_before:.2f} GiB before the first step)')

        if torch.cuda.is_available():
            gpu = torch.device('cuda:0')
            torch.backends.cudnn.benchmark = True
            batch = pseudo_collate([dataset[i % len(dataset)] for i in range(OFFICIAL_IMAGES_PER_GPU)])
            for amp in (False, True):
                model, optim_wrapper = build_model(cfg, gpu, amp)
                times, peak = time_train_step(model, optim_wrapper, batch, max(args.steps, 10), gpu)
                step = statistics.median(times)
                data_share = data_seconds_per_image * OFFICIAL_IMAGES_PER_GPU / OFFICIAL_WORKERS / step
                print(f'train step, {torch.cuda.get_device_name(gpu)}, batch {OFFICIAL_IMAGES_PER_GPU}, '
                      f'{"AMP" if amp else "float32"}: {OFFICIAL_IMAGES_PER_GPU / step:.1f} images/s per GPU '
                      f'({step * 1000:.0f} ms per step), peak {peak:.1f} GiB; {OFFICIAL_WORKERS} data workers '
                      f'need {data_share:.0%} of the step time per batch')
                del model, optim_wrapper


if __name__ == '__main__':
    main()
