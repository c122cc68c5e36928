"""Where the config files of the official variants live, finding one by name or by network, and
reading one."""
from pathlib import Path

from higherhrnet import registry

CONFIG_DIR = Path(registry.__file__).resolve().parent / 'configs'
# Joint count -> dataset name in the config file names (higherhrnet_w<width>_<dataset>_<size>.py).
DATASET_BY_JOINTS = {17: 'coco', 14: 'crowdpose'}
# mmengine's package prefix for configs (as ``mmdet::``, ``mmpose::``): ``higherhrnet::<config>.py``
# names a file of ``registry/configs`` (``higherhrnet/config_scheme.py`` teaches mmengine the prefix).
SCHEME = 'higherhrnet::'


def package_config(name):
    """The file of ``higherhrnet::<path>.py`` (a path under ``registry/configs``, ``.py`` optional);
    a name that is none of ours raises ``FileNotFoundError`` listing the configs there are."""
    relative = name[len(SCHEME):] if name.startswith(SCHEME) else name
    path = (CONFIG_DIR / relative).with_suffix('.py').resolve()
    if path.is_relative_to(CONFIG_DIR) and path.is_file():
        return path
    known = sorted(p.relative_to(CONFIG_DIR).as_posix() for p in CONFIG_DIR.rglob('*.py')
                   if '_base_' not in p.relative_to(CONFIG_DIR).parts)
    raise FileNotFoundError(f'no config {SCHEME}{relative} in the installed higherhrnet; known: '
                            + ', '.join(SCHEME + config for config in known))


def resolve_config(config):
    """A config file path, the name of one in ``registry/configs`` (``higherhrnet_w32_coco_512``) or
    ``higherhrnet::<config>.py``."""
    if str(config).startswith(SCHEME):
        return package_config(str(config))
    path = Path(config)
    if path.is_file():
        return path
    named = CONFIG_DIR / f'{path.stem}.py'
    if path.parent == Path('.') and named.is_file():
        return named
    known = sorted(p.stem for p in CONFIG_DIR.glob('*.py'))
    raise FileNotFoundError(f'no config file {config!r} (nor a config named so; known: {known})')


def official_configs(width, num_joints):
    """The shipped config files of this width and joint count, sorted (input sizes ascending)."""
    dataset = DATASET_BY_JOINTS.get(num_joints)
    if dataset is None:
        return []
    return sorted(CONFIG_DIR.glob(f'higherhrnet_w{width}_{dataset}_*.py'))


def load_config(config):
    """The mmengine ``Config`` of a config file (or the name of one in ``registry/configs``), with every
    ``metainfo=dict(from_file=...)`` that is relative to the config's folder made absolute, so that a
    config and its dataset-info file beside it work from any folder."""
    from mmengine.config import Config

    from .keypoint_sets.metainfo import absolute_metainfo_files

    path = resolve_config(config)
    cfg = Config.fromfile(str(path))
    for value in cfg.values():
        absolute_metainfo_files(value, path.parent)
    return cfg
