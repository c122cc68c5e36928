"""Associative-embedding grouping: peaks of the heatmaps (``peak_search``), their assignment to people
by tag (``assignment``, the classic Munkres port) and the official parser built on both
(``associative_embedding``)."""
from .associative_embedding import default_joint_order, group_keypoints, grouping_config

__all__ = ['group_keypoints', 'grouping_config', 'default_joint_order']
