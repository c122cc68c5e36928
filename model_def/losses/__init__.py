from .ae_loss import AssociativeEmbeddingLoss
from .heatmap_loss import HeatmapLoss
from .higherhrnet_loss import HigherHRNetLoss

__all__ = ['AssociativeEmbeddingLoss', 'HeatmapLoss', 'HigherHRNetLoss']
