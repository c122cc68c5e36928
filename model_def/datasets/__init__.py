"""Bottom-up keypoint datasets (COCO, CrowdPose) and their transforms, registered in
``registry.DATASETS`` and ``registry.TRANSFORMS``."""
from .bottomup_coco import BottomUpCocoDataset
from .bottomup_crowdpose import BottomUpCrowdPoseDataset
from .bottomup_keypoints import BottomUpKeypointDataset
from .transforms import (BottomUpRandomAffine, BottomUpRandomFlip, GenerateBottomUpTargets, LoadImage,
                         PackBottomUpInputs, UnusableSampleError)

__all__ = ['BottomUpKeypointDataset', 'BottomUpCocoDataset', 'BottomUpCrowdPoseDataset', 'LoadImage',
           'BottomUpRandomAffine', 'BottomUpRandomFlip', 'GenerateBottomUpTargets', 'PackBottomUpInputs',
           'UnusableSampleError']
