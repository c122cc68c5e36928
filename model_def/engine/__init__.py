"""Training-loop additions to mmengine's Runner, registered in ``registry.HOOKS`` on import."""
from .hooks import PoseVisualizationHook, WeightsOnlyCheckpointHook

__all__ = ['PoseVisualizationHook', 'WeightsOnlyCheckpointHook']
