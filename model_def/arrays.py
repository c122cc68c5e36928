"""Predictions as numpy arrays, wherever they come from."""
import numpy as np


def as_numpy(value):
    """A numpy array of a tensor (possibly on the GPU, from the model) or of an array-like (from the tools)."""
    return value.detach().cpu().numpy() if hasattr(value, 'detach') else np.asarray(value)
