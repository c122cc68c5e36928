"""Training-loop additions to mmengine's Runner, registered in ``registry.HOOKS`` and
``registry.LOG_PROCESSORS`` on import."""
from .hooks import CheckpointOverPretrainedHook, PoseVisualizationHook, ScheduleFitHook, WeightsOnlyCheckpointHook
from .log_processor import SignificantLogProcessor

__all__ = ['CheckpointOverPretrainedHook', 'PoseVisualizationHook', 'ScheduleFitHook', 'SignificantLogProcessor',
           'WeightsOnlyCheckpointHook']
