"""``higherhrnet demo``: live poses from a camera or a video file, shown with FPS or written to a video."""
import os
import sys
import time
from pathlib import Path

import cv2

from .media import frame_count, open_video, read_batches, video_fps
from .options import add_drawing_arguments, add_model_arguments, draw, load_estimator, positive_int
from .wording import counted, frame_rate

WINDOW = 'higherhrnet demo (q or Esc quits)'
# Codecs OpenCV's own writers carry (no system codec needed): Motion-JPEG in .avi, MPEG-4 part 2 in .mp4.
FOURCC_BY_SUFFIX = {'.avi': 'MJPG', '.mp4': 'mp4v'}


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'demo', help='live demo on a camera or a video file',
        description='Run the model on a camera or a video file, frames in batches, and show every '
                    'annotated frame with the frames per second; with --no-display (headless machines) '
                    'write the annotated frames to a video instead.')
    parser.add_argument('source', help='camera id (0, 1, ...) or a video file')
    parser.add_argument('--no-display', dest='display', action='store_false',
                        help='do not open a window; write the annotated video to --output')
    parser.add_argument('--output', help='annotated video to write (.avi or .mp4); default demo.avi with '
                                         '--no-display, none otherwise')
    parser.add_argument('--batch-size', type=positive_int, default=4,
                        help='frames run through the model together (default 4; 1 = lowest latency)')
    parser.add_argument('--max-frames', type=positive_int, help='stop after this many frames')
    add_drawing_arguments(parser)
    add_model_arguments(parser)
    parser.set_defaults(run=run)


def open_writer(path, fps, frame_size):
    path = Path(path)
    fourcc = FOURCC_BY_SUFFIX.get(path.suffix.lower())
    if fourcc is None:
        raise ValueError(f'--output must end in {" or ".join(FOURCC_BY_SUFFIX)}, got {path.name}')
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, frame_size)
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write the video {path}')
    return writer


def check_display():
    """Refuse early where no window can open: OpenCV's Qt backend aborts the whole process there."""
    if sys.platform.startswith('linux') and not (os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY')):
        raise RuntimeError('no display here (DISPLAY is not set): use --no-display, which writes the annotated '
                           'video to --output')


def progress_total(capture, max_frames):
    """The progress bar's total: the video's frame count, capped by --max-frames (None where unknown)."""
    count = frame_count(capture)
    if max_frames is None:
        return count
    return max_frames if count is None else min(count, max_frames)


def run(args):
    from tqdm import tqdm

    if args.display:
        check_display()
    output = args.output or (None if args.display else 'demo.avi')
    capture = open_video(args.source)
    estimator = load_estimator(args)
    skeleton = estimator.dataset_meta['skeleton']
    writer = None
    frames = 0
    fps = 0.0
    quit_requested = False
    # Headless, the terminal shows the progress (frames, frames per second of the whole loop, ETA);
    # with a window, each frame shows the model's own frame rate.
    progress = tqdm(total=progress_total(capture, args.max_frames), unit='frame', desc='demo',
                    disable=args.display)
    try:
        for batch in read_batches(capture, args.batch_size):
            if args.max_frames is not None:
                batch = batch[:args.max_frames - frames]
            start = time.perf_counter()
            results = estimator.predict(batch)
            # Throughput of the model on this batch (reading and drawing not counted), smoothed.
            batch_fps = len(batch) / max(time.perf_counter() - start, 1e-9)
            fps = batch_fps if frames == 0 else 0.8 * fps + 0.2 * batch_fps
            for frame, result in zip(batch, results):
                annotated = draw(args, frame, result['keypoints'], skeleton, result['bboxes'], result['scores'],
                                 notes=[f'{frame_rate(fps)}  '
                                        f'{counted(len(result["scores"]), "person", "people")}'],
                                 dataset_meta=estimator.dataset_meta)
                if output is not None:
                    if writer is None:
                        writer = open_writer(output, video_fps(capture), (frame.shape[1], frame.shape[0]))
                    writer.write(annotated)
                frames += 1
                progress.update(1)
                if args.display:
                    cv2.imshow(WINDOW, annotated)
                    if cv2.waitKey(1) & 0xFF in (ord('q'), 27):
                        quit_requested = True
                        break
            if quit_requested or (args.max_frames is not None and frames >= args.max_frames):
                break
    except KeyboardInterrupt:
        pass
    finally:
        progress.close()
        capture.release()
        if writer is not None:
            writer.release()
        if args.display:
            cv2.destroyAllWindows()
    if frames == 0:
        raise ValueError(f'no frame could be read from {args.source}')
    print(f'{counted(frames, "frame")}, {frame_rate(fps)} (model throughput)'
          + (f', wrote {output}' if output else ''))
    return 0
