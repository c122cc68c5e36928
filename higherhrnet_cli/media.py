"""Reading the tools' inputs: images (a file or a folder of them), videos and cameras, with clear errors."""
import json
from pathlib import Path

import cv2

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def list_images(path):
    """The image files named by ``path``: the file itself, or a folder's images sorted by name."""
    path = Path(path)
    if path.is_dir():
        images = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise ValueError(f'folder {path} holds no images (looked for {", ".join(IMAGE_SUFFIXES)})')
        return images
    if path.is_file():
        return [path]
    raise FileNotFoundError(f'no such image file or folder: {path}')


def output_stems(paths):
    """Output file stems, one per input image; refuses two inputs that would overwrite each other."""
    stems = [path.stem for path in paths]
    seen = {}
    for path, stem in zip(paths, stems):
        if stem in seen:
            raise ValueError(f'{seen[stem].name} and {path.name} would both be written as {stem}.json / '
                             f'{stem}.png; rename one of them')
        seen[stem] = path
    return stems


def read_image(path, *, exif_orientation=True):
    """An image file as H x W x 3 uint8 BGR.

    By default the EXIF orientation is applied, so that pixels (and the coordinates found in them)
    are those of the picture as displayed, as the server decodes it; ``exif_orientation=False``
    reads the stored pixels as the official COCO / CrowdPose loaders do (for evaluation).
    """
    flags = cv2.IMREAD_COLOR if exif_orientation else cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    image = cv2.imread(str(path), flags)
    if image is None:
        raise ValueError(f'cannot read {path} as an image (missing, unreadable or not an image format '
                         'OpenCV decodes)')
    return image


def open_video(source):
    """An opened ``cv2.VideoCapture`` for a camera id (int or digit string) or a video file."""
    if isinstance(source, int) or str(source).isdigit():
        capture = cv2.VideoCapture(int(source))
        what = f'camera {source}'
    else:
        if not Path(source).is_file():
            raise FileNotFoundError(f'no such video file: {source}')
        capture = cv2.VideoCapture(str(source))
        what = f'video file {source}'
    if not capture.isOpened():
        capture.release()
        raise ValueError(f'cannot open {what} (not a video OpenCV can decode, or no such camera)')
    return capture


def video_fps(capture, default=25.0):
    """The frame rate a capture reports, or ``default`` where it reports none (cameras often do not)."""
    fps = capture.get(cv2.CAP_PROP_FPS)
    return fps if fps and fps > 0 else default


def frame_count(capture):
    """The number of frames a video's header announces, or None (cameras, streams): good for a progress
    bar's total, not to be relied on."""
    return int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None


def read_batches(capture, batch_size):
    """Consecutive frames of an opened capture in lists of up to ``batch_size`` BGR images."""
    if batch_size < 1:
        raise ValueError(f'batch size must be at least 1, got {batch_size}')
    batch = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        batch.append(frame)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_json_and_png(folder, stem, document, image):
    """``folder/<stem>.json`` (the people of one image) and ``folder/<stem>.png`` (its annotated picture)."""
    folder = Path(folder)
    (folder / f'{stem}.json').write_text(json.dumps(document))
    if not cv2.imwrite(str(folder / f'{stem}.png'), image):
        raise RuntimeError(f'cannot write {folder / f"{stem}.png"}')
