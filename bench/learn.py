"""Shown to learn: a small HigherHRNet trained from scratch on synthetic stick figures, on the CPU.

    .venv/bin/python bench/learn.py [--minutes 20] [--seed 0] [--threads 2] [--out learn_out]

Data (``bench/synthetic_figures.py``, seeded): 160 x 128 JPEGs with 2-4 stick figures of the 9-joint
keypoint set ``bench/stick_figure.py`` each (head, neck, hands, hip, knees, feet; left/right pairs)
on textured backgrounds (gradients, stripes, blotches), some across the image border;
``--train-images`` (600) to train on, ``--val-images`` (60) held out for the AP.

Model and training, through mmengine's Runner as ``higherhrnet train`` does (the config is written
to ``OUT/stick_figure_config.py``, inheriting ``registry/configs/higherhrnet_w32_coco_512.py``; the
keypoint set is ``metainfo=dict(from_file=bench/stick_figure.py)`` on the model and the datasets):
HigherHRNet of ``--width`` 16 (the official structure otherwise) from scratch (the official init:
Normal(0, 0.001) convolutions, BatchNorm 1 / 0; no ImageNet backbone), input ``--input-size`` 128
(targets at 32 and 64), the official augmentation (scale 0.75-1.5, rotation +-30, translation 40,
flip), targets (sigma 2) and loss, except the push and pull factors: ``--ae-loss-factor`` 1e-2
instead of the official 1e-3 (at 1e-3, after 6 epochs the push term was still at 0.36 of its 0.5
maximum, i.e. the mean tags of different figures about 0.6 apart, within the grouping's tag
threshold of 1, so figures merge: held-out AP 0.14 after 10 minutes, against 0.69 at 1e-2).
``--max-num-people`` 8 (targets and test). Adam at ``--lr`` 2e-3 (no weight decay) for ``--epochs`` 14,
lr x 0.1 for the last 15 % of them, ``--batch-size`` 8, no data workers (the
cores go to the network), torch on ``--threads`` 2. The held-out AP (pycocotools through our
``CocoKeypointAP``, OKS sigmas of the keypoint set) is computed every ``--val-every`` 2 epochs with
the official test settings (flip test, adjust, refine, detection threshold 0.1).

Prints a table of epoch / wall seconds since the start of training (validations included) /
training seconds / mean training loss of the epoch (total and terms) / held-out AP, and writes into
``--out``: ``learning_curve.png`` (loss and AP against wall time), ``predictions.png`` (held-out
images with the predicted figures), ``learning_curve.json`` (every epoch and validation), the data
(``data/``, unless ``--data`` names a folder) and mmengine's work dir (``work_dir/``: log, the
checkpoint of the last validation). Training stops at the end of the epoch that passes
``--minutes`` (then validates once more).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# mmengine and matplotlib write caches on import: keep them in the checkout (ignored by git).
os.environ.setdefault('XDG_CACHE_HOME', str(REPO_ROOT / '.cache'))
os.environ.setdefault('MPLCONFIGDIR', str(REPO_ROOT / '.cache' / 'matplotlib'))

from mmengine.hooks import Hook  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
BASE_CONFIG = REPO_ROOT / 'registry' / 'configs' / 'higherhrnet_w32_coco_512.py'
KEYPOINT_SET_FILE = BENCH_DIR / 'stick_figure.py'
NUM_JOINTS = 9  # of that file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('--minutes', type=float, default=20, help='wall-time budget of the training (default 20)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the data and of the training (default 0)')
    parser.add_argument('--threads', type=int, default=2, help='torch threads (default 2)')
    parser.add_argument('--out', type=Path, default=Path('learn_out'), help='output folder (default learn_out)')
    parser.add_argument('--data', type=Path, help='an existing data folder of synthetic_figures.py (default: '
                                                  'written to OUT/data)')
    parser.add_argument('--train-images', type=int, default=600, help='(default 600)')
    parser.add_argument('--val-images', type=int, default=60, help='held-out images (default 60)')
    parser.add_argument('--width', type=int, default=16, help='HRNet width (default 16)')
    parser.add_argument('--input-size', type=int, default=128, help='training and test input size (default 128)')
    parser.add_argument('--batch-size', type=int, default=8, help='(default 8)')
    parser.add_argument('--lr', type=float, default=2e-3, help='Adam lr (default 2e-3)')
    parser.add_argument('--epochs', type=int, default=14, help='(default 14)')
    parser.add_argument('--val-every', type=int, default=2, help='epochs between held-out AP (default 2)')
    parser.add_argument('--ae-loss-factor', type=float, default=1e-2,
                        help='push and pull loss factors (default 1e-2; official 1e-3)')
    parser.add_argument('--max-num-people', type=int, default=8, help='(default 8)')
    return parser.parse_args(argv)


def write_config(path, args, data_root):
    """The run's config: the W32-512 COCO config with the width, input size, keypoint set, data,
    schedule and test settings of this benchmark."""
    input_size = args.input_size
    output_sizes = [input_size // 4, input_size // 2]
    pipeline = [
        dict(type='LoadImage'),
        dict(type='BottomUpRandomAffine', input_size=input_size, output_sizes=output_sizes, max_rotation=30,
             min_scale=0.75, max_scale=1.5, scale_type='short', max_translate=40),
        dict(type='BottomUpRandomFlip', prob=0.5),
        dict(type='GenerateBottomUpTargets', sigma=2, max_num_people=args.max_num_people),
        dict(type='PackBottomUpInputs'),
    ]
    decay_epoch = max(1, round(args.epochs * 0.85))
    path.write_text(f'''_base_ = [{str(BASE_CONFIG)!r}]
data_root = {str(data_root) + '/'!r}
metainfo = dict(from_file={str(KEYPOINT_SET_FILE)!r})
model = dict(
    backbone=dict(width={args.width}, init_cfg=None),  # from scratch: the official Normal(0, 0.001) init
    head=dict(in_channels={args.width}, num_joints={NUM_JOINTS}),
    metainfo=metainfo,
    test_cfg=dict(input_size={input_size}, max_num_people={args.max_num_people}),
    loss=dict(push_loss_factors=({args.ae_loss_factor}, {args.ae_loss_factor}),
              pull_loss_factors=({args.ae_loss_factor}, {args.ae_loss_factor})),
)
train_dataloader = dict(
    batch_size={args.batch_size}, num_workers=0, persistent_workers=False, pin_memory=False,
    dataset=dict(metainfo=metainfo, data_root=data_root, ann_file='annotations/train.json',
                 data_prefix=dict(img='images/train/'), pipeline={pipeline!r}))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(metainfo=metainfo, data_root=data_root, ann_file='annotations/val.json',
                 data_prefix=dict(img='images/val/')))
test_dataloader = val_dataloader
# pycocotools' keypoint AP with the OKS sigmas of the keypoint set
val_evaluator = dict(ann_file=data_root + 'annotations/val.json', prefix='stick_figure')
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr={args.lr}))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[{decay_epoch}], gamma=0.1)]
train_cfg = dict(max_epochs={args.epochs}, val_interval={args.val_every})
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval={args.val_every}, max_keep_ckpts=1, save_best=None))
randomness = dict(seed={args.seed})
log_level = 'WARNING'
''')
    return path


class LearningCurve(Hook):
    """A hook that keeps the mean
    training loss terms of every epoch and the held-out AP of every validation against wall time,
    prints a table row per validation, and stops training after the epoch that passes the budget."""

    COLUMNS = ('epoch', 'wall_s', 'train_s', 'loss', 'loss_heatmap_0', 'loss_heatmap_1', 'loss_push', 'loss_pull', 'AP')

    def __init__(self, budget_s):
        self.budget_s = budget_s
        self.epochs, self.validations = [], []
        self.start = self.train_s = self.epoch_start = None
        self.losses = {}

    def before_train(self, runner):
        self.start, self.train_s = time.perf_counter(), 0.0
        print('  '.join(f'{name:>10}' for name in ('epoch', 'wall s', 'train s', 'loss', 'heatmap 1/4', 'heatmap 1/2',
                                                    'push', 'pull', 'held-out AP')), flush=True)

    def before_train_epoch(self, runner):
        self.epoch_start, self.losses = time.perf_counter(), {}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        for name, value in outputs.items():  # mmengine's log_vars: tensors still attached to the graph
            self.losses.setdefault(name, []).append(float(value.detach()))

    def after_train_epoch(self, runner):
        now = time.perf_counter()
        self.train_s += now - self.epoch_start
        row = dict(epoch=runner.epoch + 1, wall_s=now - self.start, train_s=self.train_s)
        row.update({name: sum(values) / len(values) for name, values in self.losses.items()})
        self.epochs.append(row)
        if row['wall_s'] > self.budget_s:
            runner.train_loop.stop_training = True

    def after_val_epoch(self, runner, metrics=None):
        row = dict(self.epochs[-1], wall_s=time.perf_counter() - self.start, AP=metrics['stick_figure/AP'])
        self.validations.append(row)
        print('  '.join(f'{row[name]:>10.4g}' if isinstance(row[name], float) else f'{row[name]:>10}'
                        for name in self.COLUMNS), flush=True)


def plot_learning_curve(curve, path):
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot

    figure, (loss_axes, ap_axes) = pyplot.subplots(1, 2, figsize=(10, 4))
    minutes = [row['wall_s'] / 60 for row in curve.epochs]
    for name, label in (('loss', 'total'), ('loss_heatmap_0', 'heatmap 1/4'), ('loss_heatmap_1', 'heatmap 1/2'),
                        ('loss_pull', 'pull'), ('loss_push', 'push')):
        loss_axes.plot(minutes, [row[name] for row in curve.epochs], label=label)
    loss_axes.set(yscale='log', xlabel='wall minutes', ylabel='mean training loss per epoch')
    loss_axes.legend()
    ap_axes.plot([row['wall_s'] / 60 for row in curve.validations], [row['AP'] for row in curve.validations], 'o-')
    ap_axes.set(ylim=(0, 1), xlabel='wall minutes', ylabel='held-out AP (OKS)')
    ap_axes.grid(True)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def draw_predictions(model, data_root, skeleton, path, note, num_images=8, zoom=2, min_score=0.2):
    """Held-out images, enlarged, with the figures the trained model finds (flip test, official
    grouping) scored at least ``min_score`` (the AP counts every one), 4 to a row."""
    import cv2
    import numpy as np

    from higherhrnet.cli.drawing import draw_people, put_notes
    from higherhrnet.model_def.inference.estimator import PoseEstimator

    files = sorted((Path(data_root) / 'images' / 'val').glob('*.jpg'))[:num_images]
    images = [cv2.imread(str(file)) for file in files]
    results = PoseEstimator(model, device='cpu').predict(images)
    tiles = []
    for image, result in zip(images, results):
        keep = result['scores'] >= min_score
        keypoints = result['keypoints'][keep]
        keypoints[..., :2] = keypoints[..., :2] * zoom + (zoom - 1) / 2  # pixel centres stay pixel centres
        large = cv2.resize(image, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST)
        tiles.append(draw_people(large, keypoints, skeleton, scores=result['scores'][keep]))
    while len(tiles) % 4:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i:i + 4]) for i in range(0, len(tiles), 4)]
    canvas = np.vstack(rows)
    put_notes(canvas, [note], 1)
    cv2.imwrite(str(path), canvas)


def main(argv=None):
    """Run the benchmark; returns the ``LearningCurve`` (``epochs``, ``validations``)."""
    args = parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner

    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(BENCH_DIR))
    from synthetic_figures import write_dataset

    data_root = args.data.resolve() if args.data else out / 'data'
    if not args.data:
        write_dataset(data_root, args.train_images, args.val_images, args.seed)
    config = write_config(out / 'stick_figure_config.py', args, data_root)
    cfg = Config.fromfile(str(config))
    cfg.work_dir = str(out / 'work_dir')
    print(f'HigherHRNet-W{args.width}, input {args.input_size} (targets {args.input_size // 4}, '
          f'{args.input_size // 2}), from scratch; {args.epochs} epochs of {args.train_images} images at batch '
          f'{args.batch_size}, Adam lr {args.lr:g} (x0.1 for the last 15 %), seed {args.seed}, '
          f'{args.threads} torch threads, budget {args.minutes:g} min; held-out AP on {args.val_images} images '
          f'every {args.val_every} epochs. Data: {data_root}; config: {config}', flush=True)
    runner = Runner.from_cfg(cfg)
    curve = LearningCurve(args.minutes * 60)
    runner.register_hook(curve, 'LOW')
    runner.train()
    if not curve.validations or curve.validations[-1]['epoch'] != curve.epochs[-1]['epoch']:
        runner.val_loop.run()  # stopped by the budget between validations
    (out / 'learning_curve.json').write_text(json.dumps(
        dict(epochs=curve.epochs, validations=curve.validations, settings=vars(args)), indent=1, default=str))
    plot_learning_curve(curve, out / 'learning_curve.png')
    last, best = curve.validations[-1], max(curve.validations, key=lambda row: row['AP'])
    draw_predictions(runner.model, data_root, runner.model.dataset_meta['skeleton'], out / 'predictions.png',
                     f"held-out images, epoch {last['epoch']} ({last['wall_s'] / 60:.1f} min), AP {last['AP']:.3f}; "
                     'figures scored >= 0.2')
    print(f"held-out AP {last['AP']:.3f} after {last['wall_s'] / 60:.1f} min "
          f"(best {best['AP']:.3f} at {best['wall_s'] / 60:.1f} min, epoch {best['epoch']}); figures in {out}",
          flush=True)
    return curve


if __name__ == '__main__':
    main()
