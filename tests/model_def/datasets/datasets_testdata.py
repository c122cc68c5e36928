"""Shared by the dataset tests: the official training pipeline as config dicts, the synthetic
dataset of ../shared/reference/train_targets.npz written to disk as a COCO-format dataset,
transforms with pinned draws, and a collector of mmengine's log records."""
import json
import logging

import cv2

from higherhrnet.model_def.datasets import BottomUpRandomAffine, BottomUpRandomFlip
from training_testdata import training_pipeline as official_training_pipeline

INPUT_SIZE, OUTPUT_SIZES = 512, [128, 256]


def training_pipeline(input_size=INPUT_SIZE, output_sizes=OUTPUT_SIZES, flip_aligned=False):
    """The official training pipeline, by default at the w32_512 sizes."""
    return official_training_pipeline(input_size, output_sizes, flip_aligned)


def write_image(path, rgb):
    """An RGB uint8 array as a lossless PNG."""
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def write_golden_dataset(golden, root):
    """The synthetic images (PNG) and annotation json of train_targets.npz under ``root``:
    ``annotations/person_keypoints_synth.json`` and ``images/synth/<file_name>``."""
    annotations = json.loads(str(golden['synthetic_annotations_json']))
    (root / 'annotations').mkdir(parents=True)
    (root / 'images' / 'synth').mkdir(parents=True)
    (root / 'annotations' / 'person_keypoints_synth.json').write_text(json.dumps(annotations))
    for image in annotations['images']:
        name = image['file_name'].rsplit('.', 1)[0]
        write_image(root / 'images' / 'synth' / image['file_name'], golden[f'synth_source__{name}__image'])
    return root


class PinnedAffine(BottomUpRandomAffine):
    """The affine transform with its draws given (for the golden cases whose draws were forced)."""

    def __init__(self, draws, **kwargs):
        super().__init__(**kwargs)
        self.draws = draws

    def draw_augmentation(self, scale, image_name):
        return self.draws


class PinnedFlip(BottomUpRandomFlip):
    """The flip transform with its draw given."""

    def __init__(self, flip, **kwargs):
        super().__init__(**kwargs)
        self.flip = flip

    def draw_flip(self):
        return self.flip


class CollectedLog(logging.Handler):
    """The records mmengine's current logger emits meanwhile (``with CollectedLog() as log``)."""

    def __enter__(self):
        from mmengine.logging import MMLogger
        self.records = []
        self.logger = MMLogger.get_current_instance()
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self)

    def emit(self, record):
        self.records.append(record)

    @property
    def warnings(self):
        return [record.getMessage() for record in self.records if record.levelno == logging.WARNING]
