from .coco_keypoint_ap import CocoKeypointAP

__all__ = ['CocoKeypointAP']
