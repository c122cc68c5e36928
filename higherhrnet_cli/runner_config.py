"""What ``higherhrnet train`` and ``higherhrnet test`` share: the config of an mmengine Runner from the
command line, and the process group of a multi-process run."""
import datetime
import os
from pathlib import Path

LAUNCHERS = ('none', 'pytorch', 'slurm')


def add_runner_arguments(parser):
    from mmengine.config import DictAction

    parser.add_argument('--work-dir', help='folder for logs and checkpoints (default work_dirs/<config name>)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config settings, e.g. train_dataloader.batch_size=8 '
                             'train_cfg.max_epochs=100 (lists: key=[a,b])')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none',
                        help='none: one process; pytorch: one process per device started by torchrun; '
                             'slurm: one per task started by srun')


def runner_config(args):
    """The config file (a path or a name in registry/configs) with the command line's settings applied."""
    from higherhrnet.model_def.configs import load_config, resolve_config

    path = resolve_config(args.config)
    cfg = load_config(path)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or str(Path('work_dirs') / path.stem)
    cfg.launcher = args.launcher
    return cfg


def start_process_group_without_cuda(cfg):
    """Join the process group over gloo when there is no GPU.

    mmengine's launcher always selects a CUDA device for the process and defaults to NCCL; on a
    CPU-only machine the group is started here, and the Runner, finding it started, only uses it.
    DDP then wraps the model without device ids (its CPU form).
    """
    import torch
    import torch.distributed as dist

    if cfg.launcher == 'none' or torch.cuda.is_available() or dist.is_initialized():
        return
    if cfg.launcher != 'pytorch':
        raise RuntimeError(f'--launcher {cfg.launcher} needs GPUs; on the CPU use torchrun and --launcher pytorch')
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    timeout = cfg.env_cfg.dist_cfg.get('timeout')  # seconds, as mmengine's dist_cfg takes it
    options = {} if timeout is None else {'timeout': datetime.timedelta(seconds=timeout)}
    dist.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                            world_size=int(os.environ['WORLD_SIZE']), **options)
    cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
                                 find_unused_parameters=cfg.get('find_unused_parameters', False))


def end_process_group():
    """Leave the process group together once the run is over. Without it each process exits as soon as
    its own part is done, and gloo's threads of a process whose peer is still writing (rank 0 saving the
    checkpoint, drawing the pictures) can end in ``terminate called without an active exception``."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
