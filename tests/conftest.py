"""Fixtures shared by every test: where the reference material lives, and a clean cache."""
import contextlib
import importlib.util
import os
import tempfile
from pathlib import Path

# mmengine writes a cache under ~/.cache on import unless told otherwise; keep it in a temp folder.
os.environ.setdefault('XDG_CACHE_HOME', os.path.join(tempfile.gettempdir(), 'higherhrnet-serve-cache'))

import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = REPO_ROOT.parent / 'shared' / 'reference'
CONFIG_DIR = REPO_ROOT / 'registry' / 'configs'


def reference_path(name):
    """Path of a file in ../shared/reference, or skip the test when the folder is absent."""
    path = SHARED_REFERENCE / name
    if not path.exists():
        pytest.skip(f'reference file {path} is absent (../shared/ exists only beside the '
                    'project checkout in CI and for developers; a user clone skips these tests)')
    return path


def load_detweights():
    """The shared deterministic weight generator (../shared/reference/detweights.py) as a module."""
    path = reference_path('detweights.py')
    spec = importlib.util.spec_from_file_location('detweights', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def reference():
    """``reference('file.npz')`` -> Path, skipping when ../shared is absent."""
    return reference_path


@contextlib.contextmanager
def torch_on_one_thread():
    """Torch on one thread meanwhile: the tiny test networks are many small operations, and on a
    loaded 2-core machine a second spinning thread makes them several times slower."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def one_torch_thread():
    """A test module on one torch thread
    (``pytestmark = pytest.mark.usefixtures('one_torch_thread')``)."""
    with torch_on_one_thread():
        yield
