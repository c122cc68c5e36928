"""Keypoint sets as data: mmpose 1.x dataset-info files (``metainfo=dict(from_file=PATH)``) read into
the dataset meta that the model, the datasets, the grouping, the metric and the tools follow."""
from .metainfo import (KeypointSetError, complete_dataset_meta, parse_pose_metainfo, resolve_metainfo_file,
                       shipped_metainfo_files)

__all__ = ['KeypointSetError', 'parse_pose_metainfo', 'complete_dataset_meta', 'resolve_metainfo_file',
           'shipped_metainfo_files']
