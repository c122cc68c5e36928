"""Fixtures shared by every test: where the reference material lives, and a clean cache."""
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


@pytest.fixture(scope='module')
def one_torch_thread():
    """Run a test module with one torch thread: on a shared CPU extra threads only contend
    (use with ``pytestmark = pytest.mark.usefixtures('one_torch_thread')``)."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
