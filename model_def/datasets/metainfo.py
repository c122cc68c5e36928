"""The dataset meta (keypoint names, flip_index, skeleton, joint_order) of a dataset by name.

It is written once, in the configs (``registry/configs/_base_/<name>.py``, ``model.dataset_meta``);
the datasets read it from there so that the network and its training data cannot disagree.
"""
import functools

from mmengine.config import Config

from higherhrnet.model_def.configs import CONFIG_DIR


@functools.lru_cache(maxsize=None)
def load_dataset_meta(dataset_name):
    """``model.dataset_meta`` of ``registry/configs/_base_/<dataset_name>.py`` as a plain dict, read once
    per process (the cached dict is shared: copy it before changing it)."""
    path = CONFIG_DIR / '_base_' / f'{dataset_name}.py'
    # The base config names custom_imports (our own packages); reading the meta needs none of them.
    config = Config.fromfile(str(path), import_custom_modules=False)
    return config.model.dataset_meta.to_dict()
