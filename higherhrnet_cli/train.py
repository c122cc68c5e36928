"""``higherhrnet train``: train a config with mmengine's Runner (one process, or one per GPU under torchrun)."""
import importlib.util
import logging
from pathlib import Path

from .runner_config import (add_runner_arguments, end_process_group, runner_config,
                            start_process_group_without_cuda)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'train', help="train a config with mmengine's Runner (checkpoints, logs, validation AP)",
        description="Train with mmengine's Runner: the config's data, optimiser, schedule, hooks. Logs "
                    '(losses, lr, ETA) and checkpoints go to the work dir; the best validation AP is kept '
                    'as best_*.pth. Several GPUs or nodes: start one process per GPU with torchrun '
                    '(torchrun --nproc-per-node 8 -m higherhrnet.cli.main train CONFIG --launcher pytorch); '
                    'Slurm: srun ... higherhrnet train CONFIG --launcher slurm.')
    parser.add_argument('config', help='config file, or the name of one in registry/configs')
    parser.add_argument('--resume', nargs='?', const='auto', metavar='CHECKPOINT',
                        help='continue a run: from CHECKPOINT, or without one from the latest checkpoint of '
                             'the work dir (model, optimiser, schedule, iteration)')
    parser.add_argument('--from-scratch', action='store_true',
                        help="no ImageNet backbone: drop model.backbone.init_cfg, every weight from the "
                             'official Normal(0, 0.001) initialisation')
    parser.add_argument('--threads', type=_positive_int, metavar='N',
                        help="intra-op threads of each process (torch.set_num_threads; default: PyTorch's, "
                             'i.e. OMP_NUM_THREADS or one per core); the number used is printed')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision with a dynamic loss scale (needs CUDA; the 640 configs use '
                             'it already, as the official FP16 training)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr linearly from the official global batch (4 GPUs x images per GPU) '
                             'to the one of this run')
    parser.add_argument('--sync-bn', action='store_true',
                        help="BatchNorm statistics over all processes (torch's SyncBatchNorm), as the "
                             'official _syncbn config')
    parser.add_argument('--tensorboard', action='store_true',
                        help='also log to TensorBoard in the work dir (needs: pip install tensorboard)')
    add_runner_arguments(parser)
    parser.set_defaults(run=run)


def _positive_int(text):
    import argparse
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f'must be a positive integer, got {text!r}')
    return int(text)


def _set_threads(threads):
    """Set (when given) and say the intra-op threads: on a shared or small machine the default, one per
    core in every process, can be slower than fewer (see README, Training)."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    how = 'set by --threads' if threads else "PyTorch's default; --threads N sets it"
    print(f'training with {torch.get_num_threads()} intra-op thread(s) per process ({how})', flush=True)


def _drop_backbone_init(cfg):
    """--from-scratch: the backbone's pretrained init_cfg goes; the model's own (official) init stays."""
    backbone = cfg.model.backbone
    if backbone.get('init_cfg') is not None:
        # printed: the run's logger does not exist yet
        print(f'--from-scratch: model.backbone.init_cfg {dict(backbone.init_cfg)} dropped, the official '
              'Normal(0, 0.001) initialisation of the model remains', flush=True)
    backbone.init_cfg = None


def _set_precision(cfg, amp):
    """AMP on request; an AMP config (the 640 variants) trains in float32 where there is no CUDA,
    since mmengine's AmpOptimWrapper needs a GPU."""
    import torch
    from mmengine.logging import print_log

    if amp:
        if not torch.cuda.is_available():
            raise RuntimeError('--amp needs CUDA: mixed precision trains on GPUs only')
        if cfg.optim_wrapper.get('type') != 'AmpOptimWrapper':
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    elif cfg.optim_wrapper.get('type') == 'AmpOptimWrapper' and not torch.cuda.is_available():
        print_log('no CUDA: this AMP config trains in float32 on the CPU', logger='current', level=logging.WARNING)
        cfg.optim_wrapper.type = 'OptimWrapper'
        cfg.optim_wrapper.pop('loss_scale', None)


def latest_checkpoint(work_dir):
    """The work dir's own latest checkpoint. mmengine records it in ``<work_dir>/last_checkpoint`` as
    an absolute path, so a work dir that was copied or moved names the original's file: the file of
    that name in this work dir is taken instead."""
    record = Path(work_dir) / 'last_checkpoint'
    if not record.is_file():
        raise FileNotFoundError(f'--resume: no checkpoint to resume from in {work_dir} (it has no '
                                'last_checkpoint file); give the checkpoint: --resume CHECKPOINT')
    name = Path(record.read_text().strip()).name
    checkpoint = Path(work_dir) / name
    if not checkpoint.is_file():
        raise FileNotFoundError(f'--resume: {record} names {name}, which is not in {work_dir}; give the '
                                'checkpoint: --resume CHECKPOINT')
    return checkpoint


def check_load_from(cfg, checkpoint, resume):
    """Refuse, in one line naming the config that fits, a checkpoint of another width (nothing of it
    would load: mmengine loads not strictly and only warns) or, when resuming, of another joint count.
    A fine-tune onto another keypoint set (same width, other joints) loads the backbone only."""
    from higherhrnet.model_def.checkpoint import config_hint, infer_variant, load_checkpoint_file, to_model_state_dict

    variant = infer_variant(to_model_state_dict(load_checkpoint_file(checkpoint)))
    width, joints = cfg.model.backbone.get('width', 32), cfg.model.head.num_joints
    if variant is None or variant == (width, joints) or (variant[0] == width and not resume):
        return
    option = '--resume' if resume else 'load_from'
    raise ValueError(f'{option} {checkpoint} does not fit the config (width {width}, {joints} joints): '
                     f'{config_hint(*variant)}')


def run(args):
    from mmengine.runner import Runner

    _set_threads(args.threads)
    cfg = runner_config(args)
    if args.from_scratch:
        _drop_backbone_init(cfg)
    _set_precision(cfg, args.amp)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, str(latest_checkpoint(cfg.work_dir))
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    if cfg.get('load_from') and '://' not in str(cfg.load_from):  # a URL is mmengine's to fetch
        check_load_from(cfg, cfg.load_from, cfg.get('resume', False))
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.sync_bn:
        import torch
        if not torch.cuda.is_available():
            raise RuntimeError("--sync-bn needs GPUs: torch's SyncBatchNorm does not run on the CPU")
        cfg.sync_bn = 'torch'
    if args.tensorboard:
        if importlib.util.find_spec('tensorboard') is None:
            raise RuntimeError('--tensorboard needs the tensorboard package: pip install tensorboard')
        cfg.visualizer.vis_backends.append(dict(type='TensorboardVisBackend'))
    start_process_group_without_cuda(cfg)
    Runner.from_cfg(cfg).train()
    end_process_group()
    return 0
