"""``higherhrnet train``: train a config with mmengine's Runner (one process, or one per GPU under torchrun)."""
import importlib.util
import logging
from pathlib import Path

from .runner_config import add_runner_arguments, runner_config, start_process_group_without_cuda


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


def run(args):
    from mmengine.runner import Runner

    cfg = runner_config(args)
    _set_precision(cfg, args.amp)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, str(latest_checkpoint(cfg.work_dir))
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
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
    return 0
