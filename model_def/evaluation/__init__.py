"""Evaluation: the keypoint AP scoring (``keypoint_ap``) and its mmengine metric, registered in
``registry.METRICS`` on import."""
from .metrics import CocoKeypointAP

__all__ = ['CocoKeypointAP']
