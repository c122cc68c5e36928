"""``higherhrnet extract``: keypoints of every person in every frame of a video (or folder of images)."""
import csv
import json
from pathlib import Path

from .media import frame_count, list_images, open_video, read_batches, read_image
from .options import add_model_arguments, load_estimator, positive_int
from .wording import counted

COLUMNS = ('frame', 'person', 'joint', 'x', 'y', 'score')


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'extract', help='keypoints of a video or an image folder to CSV or JSON',
        description='Run the model on every frame of a video (or every image of a folder, in name order) '
                    'and write one row per frame, person and joint: frame (0-based index), person '
                    '(index in that frame), joint (name from the dataset), x, y (image pixels) and score. '
                    'Every joint of every person is written; undetected joints have score 0.')
    parser.add_argument('source', help='a video file or a folder of images')
    parser.add_argument('--output', required=True, help='.csv or .json file to write')
    parser.add_argument('--format', choices=('csv', 'json'),
                        help='output format (default: from the --output suffix)')
    parser.add_argument('--batch-size', type=positive_int, default=4, help='frames run together (default 4)')
    add_model_arguments(parser)
    parser.set_defaults(run=run)


def frame_batches(source, batch_size):
    """(number of frames or None where unknown, iterator of lists of BGR frames) of a video or image folder."""
    if Path(source).is_dir():
        paths = list_images(source)
        batches = ([read_image(path) for path in paths[i:i + batch_size]]
                   for i in range(0, len(paths), batch_size))
        return len(paths), batches
    capture = open_video(source)
    count = frame_count(capture)

    def batches():
        try:
            yield from read_batches(capture, batch_size)
        finally:
            capture.release()

    return count, batches()


def keypoint_rows(frame, keypoints, joint_names):
    """Rows (frame, person, joint name, x, y, score) of one frame's keypoints [P, K, 3]."""
    return [(frame, person, joint_names[joint], float(x), float(y), float(score))
            for person, joints in enumerate(keypoints)
            for joint, (x, y, score) in enumerate(joints[:, :3])]


class RowWriter:
    """Rows streamed to a CSV file or a JSON list of objects as frames come (a long video's rows need
    not fit in memory); the file is removed again if the run fails before ``close``."""

    def __init__(self, path, file_format):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(self.path, 'w', newline='')
        self.file_format = file_format
        self.count = 0
        if file_format == 'csv':
            self.csv = csv.writer(self.file)
            self.csv.writerow(COLUMNS)
        else:
            self.file.write('[')
            self.separator = '\n'

    def write(self, rows):
        if self.file_format == 'csv':
            self.csv.writerows(rows)
        else:
            for row in rows:
                self.file.write(self.separator + json.dumps(dict(zip(COLUMNS, row))))
                self.separator = ',\n'
        self.count += len(rows)

    def close(self):
        if self.file_format == 'json':
            self.file.write('\n]\n')
        self.file.close()

    def discard(self):
        self.file.close()
        self.path.unlink(missing_ok=True)


def run(args):
    from tqdm import tqdm

    file_format = args.format or Path(args.output).suffix.lower().lstrip('.')
    if file_format not in ('csv', 'json'):
        raise ValueError(f'cannot tell the format from {args.output!r}: name a .csv or .json file or give '
                         '--format')
    count, batches = frame_batches(args.source, args.batch_size)
    estimator = load_estimator(args)
    joint_names = estimator.dataset_meta['keypoint_names']
    writer = RowWriter(args.output, file_format)
    frame = 0
    try:
        with tqdm(total=count, unit='frame', desc='extract') as progress:
            for batch in batches:
                for result in estimator.predict(batch):
                    writer.write(keypoint_rows(frame, result['keypoints'], joint_names))
                    frame += 1
                progress.update(len(batch))
        if frame == 0:
            raise ValueError(f'no frame could be read from {args.source}')
    except BaseException:
        writer.discard()
        raise
    writer.close()
    print(f'{counted(frame, "frame")}, {counted(writer.count, "row")}: wrote {args.output}')
    return 0
