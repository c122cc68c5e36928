"""CrowdPose keypoints for bottom-up training and testing (official CrowdPoseKeypoints)."""
from xtcocotools.coco import COCO

from higherhrnet.registry import DATASETS

from .bottomup_keypoints import BottomUpKeypointDataset


@DATASETS.register_module()
class BottomUpCrowdPoseDataset(BottomUpKeypointDataset):
    """CrowdPose ``crowdpose_*.json`` with xtcocotools' COCO API (the interface of the CrowdPose
    toolkit's, which is not on PyPI). Nothing is left out of the heatmap loss: the official code
    masks no region in CrowdPose (official quirk 4), crowd and unlabelled persons included.

    Official layout: ``ann_file='json/crowdpose_trainval.json'``, ``data_prefix=dict(img='images/')``.
    """

    METAINFO = dict(from_file='configs/_base_/datasets/crowdpose.py')
    COCO_API = COCO

    def ignore_regions(self, annotations):
        return []
