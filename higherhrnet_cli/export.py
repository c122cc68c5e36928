"""``higherhrnet export``: the network as ONNX (checked against PyTorch) or as a TensorRT engine."""
import contextlib
import sys
import time
from pathlib import Path

from .options import add_model_arguments, load_estimator


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'export', help='export the network to ONNX or a TensorRT engine',
        description='Export the network alone (no resizing, flip test or grouping): input "image" = an '
                    'ImageNet-normalised float32 batch [N, 3, H, W] (H, W multiples of 32); outputs '
                    '"heatmaps_and_tags" [N, 2K, H/4, W/4] (K heatmaps, then K tags) and "heatmaps_half" '
                    '[N, K, H/2, W/2]; batch, height and width are dynamic.')
    add_model_arguments(parser, test_options=False)
    parser.add_argument('--format', choices=('onnx', 'tensorrt', 'weights'), default='onnx',
                        help='onnx (default): an .onnx file, checked against PyTorch with onnxruntime; '
                             'tensorrt: an engine built from an ONNX export written beside it (needs the '
                             'tensorrt package and an NVIDIA GPU); weights: the --checkpoint (a training '
                             'checkpoint) without its optimiser and training state, written as '
                             'OUTPUT-<first 8 hex digits of its sha256>.pth (mmpose\'s publish_model)')
    parser.add_argument('--output', required=True,
                        help='the file to write (.onnx, .engine / .plan, or .pth for weights)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset (default 17)')
    parser.add_argument('--fp16', dest='export_fp16', action='store_true',
                        help='half precision: ONNX with float16 weights (float32 input and outputs); for '
                             'TensorRT an FP16 engine')
    parser.add_argument('--no-check', dest='check', action='store_false',
                        help='skip comparing onnxruntime with PyTorch after a float32 ONNX export')
    engine = parser.add_argument_group('TensorRT optimisation profile (square sides, multiples of 32)')
    engine.add_argument('--min-size', type=int, default=256, help='smallest input side (default 256)')
    engine.add_argument('--opt-size', type=int, help="side tuned for (default: the config's input_size)")
    engine.add_argument('--max-size', type=int, default=1280, help='largest input side (default 1280)')
    engine.add_argument('--max-batch-size', type=int, default=8, help='largest batch (default 8)')
    engine.add_argument('--workspace-gib', type=float, default=4.0, help='builder workspace (default 4)')
    parser.set_defaults(run=run)


@contextlib.contextmanager
def timed_step(description):
    """Say what starts and, when it ends, how long it took: exports take seconds, TensorRT builds minutes."""
    print(f'{description} ...', flush=True)
    start = time.perf_counter()
    yield
    print(f'  done in {time.perf_counter() - start:.1f} s', flush=True)


def publish(checkpoint, output):
    """--format weights: the checkpoint's weights alone, named by their hash."""
    from higherhrnet.model_def.weights_file import publish_weights

    if not checkpoint:
        raise ValueError('--format weights needs --checkpoint: the training checkpoint to strip')
    print(publish_weights(checkpoint, output))
    return 0


def weights_description(half):
    return 'float16 weights, float32 input and outputs' if half else 'float32'


def run(args):
    import torch

    from higherhrnet.model_def.inference.backends import network_export

    output = Path(args.output)
    if args.format == 'weights':
        return publish(args.checkpoint, output)
    if args.format == 'tensorrt':
        # Fail before the (slow) export when no engine can be built here.
        try:
            has_fp16_flag = network_export.tensorrt_has_fp16_flag()
        except ImportError:
            print('higherhrnet export: error: TensorRT is not installed: --format tensorrt needs the '
                  '`tensorrt` Python package on a machine with an NVIDIA GPU; --format onnx works anywhere',
                  file=sys.stderr)
            return 2
    with timed_step(f'loading {args.config}'):
        estimator = load_estimator(args)
    network = estimator.model.eval()
    input_size = int(estimator.test_cfg['input_size'])
    sample_size = (input_size, input_size)
    if args.format == 'onnx':
        with timed_step(f'exporting the network to ONNX ({weights_description(args.export_fp16)}, opset '
                        f'{args.opset}, traced at {input_size} x {input_size}, batch and size dynamic)'):
            network_export.export_onnx(network, output, sample_size=sample_size, opset=args.opset,
                                       half=args.export_fp16)
        print(f'wrote {output}')
        if args.export_fp16:
            print('not checked with onnxruntime: --fp16 weights differ from PyTorch float32 by design')
        elif args.check:
            # A batch of 2 at another, non-square size checks the dynamic axes, not just the traced shape.
            height, width = input_size // 2, input_size // 2 + 64
            images = torch.randn(2, 3, height, width, generator=torch.Generator().manual_seed(0))
            with timed_step(f'checking it with onnxruntime against PyTorch on a batch of 2 random images '
                            f'of {width} x {height}'):
                differences = network_export.onnx_max_differences(network, output, images)
                for name, difference in zip(network_export.OUTPUT_NAMES, differences):
                    print(f'  {name}: max |difference| {difference:.3g}')
        return 0
    onnx_path = output.with_suffix('.onnx')
    # TensorRT 11 dropped the FP16 builder flag: there an FP16 engine comes from a float16 graph.
    half_graph = args.export_fp16 and not has_fp16_flag
    with timed_step(f'exporting the network to ONNX for TensorRT ({weights_description(half_graph)}, opset '
                    f'{args.opset})'):
        network_export.export_onnx(network, onnx_path, sample_size=sample_size, opset=args.opset,
                                   half=half_graph)
    print(f'wrote {onnx_path}')
    opt_size = args.opt_size or input_size
    precision = ('FP16 from the float16 graph' if half_graph else
                 'FP16 builder flag' if args.export_fp16 else 'FP32')
    with timed_step(f'building the TensorRT engine ({precision}; batch 1 to {args.max_batch_size}, square '
                    f'sides {args.min_size} to {args.max_size}, tuned for {opt_size} x {opt_size}; this takes '
                    'minutes)'):
        network_export.build_tensorrt_engine(
            onnx_path, output, fp16=args.export_fp16 and has_fp16_flag, min_size=args.min_size,
            opt_size=opt_size, max_size=args.max_size, max_batch_size=args.max_batch_size,
            workspace_gib=args.workspace_gib)
    print(f'wrote {output}')
    return 0
