"""``higherhrnet client``: send images to a running TorchServe model, write its JSON and annotated PNGs."""
import base64
from pathlib import Path

import numpy as np

from .media import list_images, output_stems, read_image, write_json_and_png
from .options import add_drawing_arguments, add_image_io_arguments, draw
from .wording import counted


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'client', help='send images to a running server; write its JSON and annotated PNGs',
        description='POST every image (a file, or each image of a folder) to the TorchServe inference API '
                    '(URL/predictions/MODEL) and write OUT/<name>.json (the response) and OUT/<name>.png '
                    '(the image with the returned people drawn).')
    add_image_io_arguments(parser)
    parser.add_argument('--url', default='http://127.0.0.1:8080',
                        help='inference address of the server (default http://127.0.0.1:8080)')
    parser.add_argument('--model', default='higherhrnet', help='registered model name (default higherhrnet)')
    parser.add_argument('--timeout', type=float, default=120.0, help='seconds to wait per request (default 120)')
    server = parser.add_argument_group('per-request options (sent as JSON; the server checks them)')
    server.add_argument('--flip-test', action='store_true', default=None, help='force the flip test on')
    server.add_argument('--no-flip-test', dest='flip_test', action='store_false', help='force it off')
    server.add_argument('--scale-factor', type=float, nargs='+', metavar='SCALE', help='test scales')
    server.add_argument('--detection-threshold', type=float, help='joint detection threshold')
    add_drawing_arguments(parser)
    parser.set_defaults(run=run)


def request_options(args):
    options = {'flip_test': args.flip_test, 'scale_factor': args.scale_factor,
               'detection_threshold': args.detection_threshold}
    return {key: value for key, value in options.items() if value is not None}


def post_image(session, url, path, options, timeout):
    """The server's JSON response for one image file: the raw file as the body, or JSON when options are set."""
    import requests

    data = Path(path).read_bytes()
    try:
        if options:
            response = session.post(url, json={'image': base64.b64encode(data).decode('ascii'), **options},
                                    timeout=timeout)
        else:
            response = session.post(url, data=data, timeout=timeout)
    except requests.ConnectionError:
        raise RuntimeError(f'no server answers at {url} (start one with `make serve`, or give --url)') from None
    if response.status_code != 200:
        raise RuntimeError(f'{path.name}: the server answered {response.status_code}: {response.text.strip()}')
    return response.json()


def people_arrays(response):
    """keypoints [P, K, 3], bboxes [P, 4] and scores [P] of a response in the server's schema."""
    people = response['people']
    num_joints = len(response['keypoint_names'])
    keypoints = np.array([person['keypoints'] for person in people], dtype=np.float32).reshape(-1, num_joints, 3)
    bboxes = np.array([person['bbox'] for person in people], dtype=np.float32).reshape(-1, 4)
    scores = np.array([person['score'] for person in people], dtype=np.float32)
    return keypoints, bboxes, scores


def run(args):
    import requests

    paths = list_images(args.source)
    stems = output_stems(paths)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    url = f'{args.url.rstrip("/")}/predictions/{args.model}'
    options = request_options(args)
    with requests.Session() as session:
        for path, stem in zip(paths, stems):
            image = read_image(path)
            response = post_image(session, url, path, options, args.timeout)
            keypoints, bboxes, scores = people_arrays(response)
            annotated = draw(args, image, keypoints, response['skeleton'], bboxes, scores,
                             untrained=response.get('untrained', False))
            write_json_and_png(out, stem, response, annotated)
            print(f'{stem}: {counted(len(scores), "person", "people")}')
    print(f'wrote {2 * len(paths)} files to {out}')
    return 0
