"""Options the subcommands share: the model (--config, --checkpoint, --device, test options) and drawing."""
import argparse
import sys

DEFAULT_CONFIG = 'higherhrnet_w32_coco_512'


def positive_int(text):
    """argparse type of the counts (batch sizes, frames): an int of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a whole number, got {text!r}') from None
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be at least 1, got {value}')
    return value


def add_model_arguments(parser, *, test_options=True):
    group = parser.add_argument_group('model')
    group.add_argument('--config', default=DEFAULT_CONFIG,
                       help='config file, or the name of one in registry/configs '
                            f'(e.g. higherhrnet_w48_coco_640; default {DEFAULT_CONFIG})')
    group.add_argument('--checkpoint',
                       help='weights: an official HigherHRNet .pth / .pth.tar or one saved by this project; '
                            'without it the network is untrained (weights drawn from a fixed seed, the same '
                            'on every run; meaningless poses, and the pictures say so)')
    group.add_argument('--device', default='cpu', help="torch device, e.g. cpu or cuda:0 (default cpu)")
    if test_options:
        group.add_argument('--backend', default='torch', metavar='NAME',
                           help='what runs the network: torch (default), onnxruntime, openvino (CPU) or tensorrt '
                                '(NVIDIA GPUs); the rest of the pipeline is the same')
        group.add_argument('--fp16', action='store_true',
                           help='half-precision network on CUDA, BatchNorm in float32 (the official test of '
                                'the 640 models)')
        group.add_argument('--flip-test', action=argparse.BooleanOptionalAction, default=None,
                           help="average with the mirrored image (the official TEST.FLIP_TEST; default: "
                                "the config's, on for every released config)")
        group.add_argument('--scale-factor', type=float, nargs='+', metavar='SCALE',
                           help="test scales (the official TEST.SCALE_FACTOR; multi-scale: 0.5 1 2, must "
                                "include 1; default: the config's, 1)")
        group.add_argument('--max-batch-size', type=positive_int,
                           help='network inputs per forward pass (a mirrored copy counts; default 32)')


def estimator_options(args):
    """The PoseEstimator options the command line sets (only those given: the config keeps the rest)."""
    options = {}
    if getattr(args, 'flip_test', None) is not None:
        options['flip_test'] = args.flip_test
    if getattr(args, 'scale_factor', None):
        options['scale_factor'] = list(args.scale_factor)
    if getattr(args, 'max_batch_size', None) is not None:
        options['max_batch_size'] = args.max_batch_size
    return options


def load_estimator(args):
    """The ``PoseEstimator`` the options describe; without --checkpoint the seeded untrained weights
    (the same people on every run), with a warning on stderr."""
    from higherhrnet.model_def import PoseEstimator
    from higherhrnet.model_def.untrained import UNTRAINED_MESSAGE, untrained_state_dict

    from higherhrnet.model_def.inference.backends import check_backend

    # before the untrained-weights warning and any loading: an unknown or missing backend is one line
    check_backend(getattr(args, 'backend', 'torch'))
    checkpoint = args.checkpoint
    if checkpoint is None:
        print(f'warning: no --checkpoint given: {UNTRAINED_MESSAGE}', file=sys.stderr)
        checkpoint = untrained_state_dict(args.config)
    return PoseEstimator.from_config(args.config, checkpoint=checkpoint, device=args.device,
                                     fp16=getattr(args, 'fp16', False), backend=getattr(args, 'backend', 'torch'),
                                     **estimator_options(args))


def add_image_io_arguments(parser):
    """The input and output of the per-image commands (predict, client)."""
    parser.add_argument('source', metavar='IMAGE_OR_FOLDER', help='an image file or a folder of images')
    parser.add_argument('--out', required=True, help='output folder (created if needed)')


def add_drawing_arguments(parser):
    group = parser.add_argument_group('drawing')
    group.add_argument('--min-joint-score', type=float, default=0.1,
                       help='draw joints whose score is above this (default 0.1, the detection threshold)')
    group.add_argument('--no-boxes', dest='boxes', action='store_false', help='draw no person boxes or scores')


def draw(args, image, keypoints, skeleton, bboxes, scores, *, untrained=None, notes=(), dataset_meta=None):
    """``draw_people`` with the drawing options of the command line. ``untrained`` (default: no
    --checkpoint given) puts "untrained weights" on the picture, above the other ``notes``;
    ``dataset_meta`` gives the joint and limb colours of the keypoint set."""
    from .drawing import UNTRAINED_NOTE, draw_people

    if untrained is None:
        untrained = args.checkpoint is None
    notes = ((UNTRAINED_NOTE,) if untrained else ()) + tuple(notes)
    return draw_people(image, keypoints, skeleton, bboxes=bboxes if args.boxes else None,
                       scores=scores if args.boxes else None, min_joint_score=args.min_joint_score,
                       notes=notes, keypoint_colors=(dataset_meta or {}).get('keypoint_colors'),
                       link_colors=(dataset_meta or {}).get('skeleton_link_colors'))
