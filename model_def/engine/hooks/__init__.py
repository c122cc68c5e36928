from .pose_visualization_hook import PoseVisualizationHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = ['PoseVisualizationHook', 'WeightsOnlyCheckpointHook']
