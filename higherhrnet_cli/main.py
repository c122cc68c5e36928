"""``higherhrnet``: one console command, one module per subcommand."""
import argparse
import sys

from . import client, demo, evaluate, export, extract, predict, test, train
from .caches import keep_caches_out_of_home

SUBCOMMANDS = (predict, demo, extract, client, export, evaluate, train, test)


def build_parser():
    parser = argparse.ArgumentParser(
        prog='higherhrnet',
        description='HigherHRNet bottom-up multi-person pose estimation: pictures, live demo, keypoint '
                    'extraction, a client for the TorchServe model, ONNX/TensorRT export, COCO / CrowdPose '
                    "keypoint AP, training and testing with mmengine's Runner. "
                    '"higherhrnet COMMAND --help" describes each command.')
    subparsers = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    for module in SUBCOMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    keep_caches_out_of_home()  # before the parser, which imports mmengine
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        # Bad input and missing files end with one readable line, not a traceback.
        print(f'higherhrnet {args.command}: error: {error}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
