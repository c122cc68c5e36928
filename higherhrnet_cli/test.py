"""``higherhrnet test``: the config's test set scored by mmengine's Runner with a checkpoint."""
import json
from pathlib import Path

from .output_folder import writable_folder
from .runner_config import (add_runner_arguments, end_process_group, runner_config,
                            start_process_group_without_cuda)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'test', help="score a checkpoint on the config's test set with mmengine's Runner",
        description="Run mmengine's test loop: the config's test data, the model's predict mode (the "
                    "config's test settings), and its test metric (COCO AP with pycocotools, CrowdPose AP "
                    'with the CrowdPose toolkit), printed with the toolkit summary and the official table.')
    parser.add_argument('config', help='config file, or the name of one in registry/configs')
    parser.add_argument('checkpoint', help='weights: a checkpoint from training or any official layout')
    parser.add_argument('--out', metavar='METRICS.json', help='also write the metrics as JSON, e.g. {"coco/AP": ...}')
    parser.add_argument('--show-dir', metavar='DIR',
                        help='also write every test image with its predicted people into DIR (file names of the '
                             'images); --cfg-options default_hooks.visualization.show_heatmaps=True adds the maps')
    add_runner_arguments(parser)
    parser.set_defaults(run=run)


def run(args):
    from mmengine.dist import is_main_process
    from mmengine.runner import Runner

    if not Path(args.checkpoint).is_file():
        raise FileNotFoundError(f'checkpoint file {args.checkpoint} does not exist')
    cfg = runner_config(args)
    cfg.load_from = args.checkpoint
    if args.show_dir:
        _show_into(cfg, writable_folder(args.show_dir, '--show-dir'))
    start_process_group_without_cuda(cfg)
    metrics = Runner.from_cfg(cfg).test()
    if args.out and is_main_process():
        with open(args.out, 'w') as file:
            json.dump(metrics, file, indent=1)
    end_process_group()
    return 0


def _show_into(cfg, folder):
    """The visualization hook on, drawing every test image into ``folder``."""
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise ValueError('--show-dir needs default_hooks.visualization in the config (e.g. '
                         "dict(type='higherhrnet.PoseVisualizationHook'), as registry/configs/_base_/runtime.py sets it)")
    hook.update(enable=True, interval=1, out_dir=str(folder))
