"""Training-loop additions to mmengine's Runner, registered in ``registry.HOOKS`` on import."""
from .hooks import WeightsOnlyCheckpointHook

__all__ = ['WeightsOnlyCheckpointHook']
