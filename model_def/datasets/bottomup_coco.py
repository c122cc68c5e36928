"""COCO keypoints for bottom-up training and testing (official COCOKeypoints / COCODataset)."""
from pycocotools.coco import COCO

from higherhrnet.registry import DATASETS

from .bottomup_keypoints import BottomUpKeypointDataset


@DATASETS.register_module()
class BottomUpCocoDataset(BottomUpKeypointDataset):
    """COCO ``person_keypoints_*.json`` with pycocotools. The heatmap loss leaves out crowd regions
    and the polygons of persons annotated without keypoints (``num_keypoints == 0``); their
    people still take rows (see :func:`people_rows`).

    Official layout: ``ann_file='annotations/person_keypoints_train2017.json'``,
    ``data_prefix=dict(img='images/train2017/')`` under ``data_root``.
    """

    METAINFO = dict(from_file='configs/_base_/datasets/coco.py')
    COCO_API = COCO

    def ignore_regions(self, annotations):
        return [ann['segmentation'] for ann in annotations
                if ann['iscrowd'] or ann['num_keypoints'] == 0]
