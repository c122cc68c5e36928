"""``higherhrnet::<config>.py`` in mmengine, as ``mmdet::`` and ``mmpose::`` work there.

mmengine resolves a ``package::path`` prefix only for the packages of its own fixed table, and only
in ``_base_``. ``install()`` teaches ``mmengine.config.Config`` ours, both in ``Config.fromfile``
and in ``_base_``. The installed project runs it at every interpreter start
(``higherhrnet_config_scheme.pth``, see ``setup.py``), so the prefix works from any folder with
nothing of ours imported first. That start must stay cheap and must not import mmengine: when
mmengine is not imported yet, ``install()`` only puts a finder on ``sys.meta_path`` that changes
``Config`` right after ``mmengine.config`` is first imported, and then removes itself.
"""
import functools
import importlib.abc
import sys

WATCHED = 'mmengine.config'
# model_def.configs.SCHEME, not imported from there: that import pulls in our registry and torch, which
# no Config.fromfile of another project's file should pay for.
PREFIX = 'higherhrnet::'


def _package_config(name):
    """The file a ``higherhrnet::`` name stands for; None for any other name."""
    if not str(name).startswith(PREFIX):
        return None
    # imported only now: it needs our registry, hence mmengine, which must be fully imported by then
    from higherhrnet.model_def.configs import package_config
    return str(package_config(str(name)))


def teach(config_class):
    """Make ``config_class`` (mmengine's ``Config``) resolve ``higherhrnet::`` names; idempotent."""
    if getattr(config_class, '_higherhrnet_scheme', False):
        return
    fromfile, get_cfg_path = config_class.fromfile, config_class._get_cfg_path

    @functools.wraps(fromfile)
    def fromfile_with_scheme(filename, *args, **kwargs):
        return fromfile(_package_config(filename) or filename, *args, **kwargs)

    @functools.wraps(get_cfg_path)
    def get_cfg_path_with_scheme(cfg_path, filename):
        # (path, scope). No scope for our files: they name theirs in their types ('higherhrnet.HigherHRNet')
        # and leave mmengine's plain, so they behave as when inherited by their path. A scope would make
        # the Runner look for optimizers, hooks, ... in registries of ours that do not exist (a warning each).
        path = _package_config(cfg_path)
        return (path, None) if path else get_cfg_path(cfg_path, filename)

    config_class.fromfile = staticmethod(fromfile_with_scheme)
    config_class._get_cfg_path = staticmethod(get_cfg_path_with_scheme)
    config_class._higherhrnet_scheme = True


class _TeachingLoader(importlib.abc.Loader):
    """mmengine.config's own loader, then ``teach``; everything else is the original loader's."""

    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        teach(module.Config)


class _ConfigImportWatcher(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader the other finders give ``mmengine.config``."""

    def find_spec(self, fullname, path, target=None):
        if fullname != WATCHED:
            return None
        sys.meta_path.remove(self)  # once: mmengine.config is imported once per interpreter
        for finder in sys.meta_path:
            spec = finder.find_spec(fullname, path, target) if hasattr(finder, 'find_spec') else None
            if spec is not None and spec.loader is not None:
                spec.loader = _TeachingLoader(spec.loader)
                return spec
        return None


def install():
    """Teach mmengine's ``Config`` the ``higherhrnet::`` prefix now if mmengine.config is imported,
    else as soon as it is."""
    module = sys.modules.get(WATCHED)
    if module is not None:
        teach(module.Config)
    elif not any(isinstance(finder, _ConfigImportWatcher) for finder in sys.meta_path):
        sys.meta_path.insert(0, _ConfigImportWatcher())
