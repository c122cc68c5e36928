"""COCO-format keypoint files read the way the official HigherHRNet training reads them."""
import contextlib
import copy
import io
import json
import logging

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.fileio import join_path
from mmengine.logging import print_log

from higherhrnet.registry import TRANSFORMS

from ..keypoint_sets import parse_pose_metainfo
from .ignore_mask import decode_loss_mask
from .transforms.errors import UnusableSampleError


def build_transform(transform):
    """A transform from its config in our registry's scope (mmengine's Compose would look plain
    names up in the root registry, or in the runner's default scope); instances pass through."""
    if not isinstance(transform, dict):
        return transform
    return TRANSFORMS.build({'_scope_': 'higherhrnet', **transform})


def people_rows(annotations, num_joints, source='the annotation file'):
    """float64 [P, K, 3] (x, y, v) and the annotation ids of the rows, in annotation order.

    Every annotation becomes a row except crowd regions without keypoints. A non-crowd person
    without keypoints gives an all-zero row that still takes a row index (official quirk 3); a
    crowd annotation with keypoints is a row (and, for COCO, masked: quirk 4). ``num_keypoints``
    is used as stored, not recomputed from the flags.
    """
    kept = [ann for ann in annotations if ann['iscrowd'] == 0 or ann['num_keypoints'] > 0]
    people = np.zeros((len(kept), num_joints, 3))
    for row, ann in enumerate(kept):
        if len(ann['keypoints']) != 3 * num_joints:
            raise ValueError(f"{source}: annotation {ann['id']} has {len(ann['keypoints'])} 'keypoints' values, "
                             f'not 3 x {num_joints}: the dataset meta describes {num_joints} keypoints '
                             '(set the dataset\'s metainfo=dict(from_file=...) to the file of this set)')
        people[row] = np.array(ann['keypoints']).reshape([-1, 3])
    return people, [ann['id'] for ann in kept]


class BottomUpKeypointDataset(BaseDataset):
    """Base of the bottom-up keypoint datasets: one item per image of a COCO-format keypoint file.

    The keypoint set comes from ``metainfo=dict(from_file=PATH)`` (mmengine's ``BaseDataset``
    argument; a dataset-info file in mmpose's format, see ``model_def.keypoint_sets``), by default the
    class's ``METAINFO``. Subclasses set ``METAINFO``, ``COCO_API`` (the annotation API class) and
    ``ignore_regions`` (which annotations are left out of the heatmap loss).

    Training items (``test_mode=False``): images without any annotation are dropped (crowd-only
    images and images of keypoint-less persons stay, as in the official code); each item holds
    ``img_id``, ``img_path``, ``height``, ``width`` (from the file), ``people`` (float64
    [P, K, 3]), ``person_ann_ids`` and ``ignore_regions`` (segmentations); ``get_data_info``
    adds ``loss_mask`` (bool H x W, True = counts in the loss) and ``flip_index``. A sample the
    pipeline cannot draw (:class:`UnusableSampleError`) is logged as one warning and replaced by
    another (mmengine's refetch, up to ``max_refetch`` times).

    Test items (``test_mode=True``): every image, in file order, with ``img_id``, ``img_path``,
    ``height``, ``width``; errors propagate.

    Two behaviours of the official data loading are not kept, because they come from the
    PyTorch of the time rather than from the method (OFFICIAL_TRAINING.md 7.11-7.12): mmengine's
    ``DefaultSampler`` reshuffles every epoch (the official DistributedSampler never had
    ``set_epoch`` called, so every epoch saw the same order), and mmengine's ``worker_init_fn``
    seeds numpy and ``random`` in each worker from the run's seed, rank and worker id, so the
    workers draw different streams (the official workers all inherited one numpy state that never
    advanced, so an image got the same scale, rotation and translation in every epoch of a run).
    Here an image's augmentation changes from epoch to epoch. The per-sample behaviour, quirks
    1-10 included, is the official one.
    """

    METAINFO = dict()
    COCO_API = None

    @classmethod
    def _load_metainfo(cls, metainfo=None):
        return parse_pose_metainfo(copy.deepcopy(cls.METAINFO) if metainfo is None else metainfo)

    def __init__(self, *args, data_prefix=dict(img=''), pipeline=(), **kwargs):
        super().__init__(*args, data_prefix=data_prefix, pipeline=[build_transform(t) for t in pipeline], **kwargs)

    def ignore_regions(self, annotations):
        """The segmentations of the image whose pixels are left out of the heatmap loss."""
        raise NotImplementedError

    def load_data_list(self):
        # The COCO APIs print progress lines on stdout; the dataset has nothing to say there.
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                coco = self.COCO_API(self.ann_file)
        except json.JSONDecodeError as error:  # says where in the file, not which file
            raise ValueError(f'annotation file {self.ann_file} is not valid JSON: {error}') from None
        num_joints = len(self._metainfo['keypoint_names'])
        image_folder = self.data_prefix.get('img', '')
        data_list = []
        for img_id, image in coco.imgs.items():  # the file's order, as the official image list
            item = dict(img_id=img_id, img_path=join_path(image_folder, image['file_name']),
                        height=image['height'], width=image['width'])
            if not self.test_mode:
                annotations = coco.loadAnns(coco.getAnnIds(imgIds=img_id))
                item['num_annotations'] = len(annotations)
                item['people'], item['person_ann_ids'] = people_rows(annotations, num_joints, self.ann_file)
                item['ignore_regions'] = self.ignore_regions(annotations)
            data_list.append(item)
        return data_list

    def filter_data(self):
        """Training drops the images without any annotation (crowd and keypoint-less ones count).
        Annotations without any image left to train on are an error naming the file; without any
        visible joint, a warning (the heatmaps learn background only, push/pull nothing)."""
        if self.test_mode:
            return self.data_list
        kept = [item for item in self.data_list if item['num_annotations'] > 0]
        if not kept:
            raise ValueError(f'annotation file {self.ann_file}: none of its {len(self.data_list)} images '
                             'has an annotation (a person or a crowd region): nothing to train on')
        if not any((item['people'][..., 2] > 0).any() for item in kept):
            print_log(f'annotation file {self.ann_file}: no person has a visible keypoint, so the '
                      'heatmap loss learns background only and the push/pull (associative embedding) '
                      'loss cannot learn', logger='current', level=logging.WARNING)
        return kept

    def get_data_info(self, idx):
        info = super().get_data_info(idx)
        info['flip_index'] = list(self._metainfo['flip_index'])
        if not self.test_mode:
            info['loss_mask'] = decode_loss_mask(info['ignore_regions'], info['height'], info['width'])
        return info

    def prepare_data(self, idx):
        try:
            return super().prepare_data(idx)
        except UnusableSampleError as error:
            if self.test_mode:
                raise
            print_log(f'skipping a training sample: {error}', logger='current', level=logging.WARNING)
            return None
