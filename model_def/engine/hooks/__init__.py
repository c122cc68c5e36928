from .checkpoint_over_pretrained_hook import CheckpointOverPretrainedHook
from .pose_visualization_hook import PoseVisualizationHook
from .schedule_fit_hook import ScheduleFitHook
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = ['CheckpointOverPretrainedHook', 'PoseVisualizationHook', 'ScheduleFitHook', 'WeightsOnlyCheckpointHook']
