"""Pictures of predictions: people drawn on images, the network's maps, and the mmengine visualizer
(registered in ``registry.VISUALIZERS`` on import)."""
from .drawing import UNTRAINED_NOTE, draw_people
from .maps import heatmap_picture, tag_picture
from .pose_visualizer import PoseVisualizer

__all__ = ['UNTRAINED_NOTE', 'draw_people', 'heatmap_picture', 'tag_picture', 'PoseVisualizer']
