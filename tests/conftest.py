"""Fixtures shared by every test: where the reference material lives, and a clean cache."""
import contextlib
import importlib.util
import os
import tempfile
import types
from pathlib import Path

# mmengine writes a cache under ~/.cache on import unless told otherwise; keep it in a temp folder.
os.environ.setdefault('XDG_CACHE_HOME', os.path.join(tempfile.gettempdir(), 'higherhrnet-serve-cache'))

import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
# HIGHERHRNET_SHARED moves the shared folder; HIGHERHRNET_SHARED=/nonexistent runs the suite as a
# user's clone does (no reference data).
SHARED = Path(os.environ.get('HIGHERHRNET_SHARED') or REPO_ROOT.parent / 'shared')
SHARED_REFERENCE = SHARED / 'reference'
CONFIG_DIR = REPO_ROOT / 'registry' / 'configs'


# How the skip of a test without its reference file starts (counted at the end of a run).
REFERENCE_SKIP = 'reference file '


def reference_path(name):
    """Path of a file in ../shared/reference, or skip the test when the folder is absent."""
    path = SHARED_REFERENCE / name
    if not path.exists():
        pytest.skip(f'{REFERENCE_SKIP}{path} is absent (../shared/ exists only beside the '
                    'project checkout in CI and for developers; a user clone skips these tests)')
    return path


def pytest_terminal_summary(terminalreporter):
    """One line at the end of every run saying how many tests skipped for want of ../shared: the
    figure README points to, measured by each run rather than written down once."""
    stats = terminalreporter.stats
    ran = sum(len(stats.get(outcome, [])) for outcome in ('passed', 'failed', 'error', 'skipped',
                                                         'xfailed', 'xpassed'))
    reference = [report for report in stats.get('skipped', [])
                 if isinstance(report.longrepr, tuple) and REFERENCE_SKIP in str(report.longrepr[2])]
    if reference:
        terminalreporter.write_line(f'{len(reference)} of {ran} tests skipped: the reference folder '
                                    f'{SHARED_REFERENCE} is absent')
    else:
        terminalreporter.write_line(f'no test skipped for want of the reference folder ({ran} tests)')


def load_detweights():
    """The shared deterministic weight generator (../shared/reference/detweights.py) as a module, with
    ``make_state_dict([[key, shape], ...])``.

    Where ../shared is absent (a user's clone), the project's seeded untrained weights
    (``model_def/untrained.py``) stand in: the tests that only need some fixed weights with people in
    their maps run on them, and those that compare with reference numbers skip on their golden file.
    """
    path = SHARED_REFERENCE / 'detweights.py'
    if not path.exists():
        from higherhrnet.model_def.untrained import seeded_state_dict
        return types.SimpleNamespace(make_state_dict=seeded_state_dict)
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


@pytest.fixture(scope='session')
def session_default_scopes():
    from mmengine.registry import DefaultScope
    return set(DefaultScope._instance_dict)


@pytest.fixture(autouse=True)
def no_default_scope_left_over(session_default_scopes):
    """Forget the mmengine default scopes that earlier tests and fixtures made. A Runner makes one
    ('mmengine' unless its config names another) and the newest stays current for the whole process,
    so a later test's bare ``type='HRNet'`` would be looked up in that scope's registry, not ours."""
    from mmengine.registry import DefaultScope

    def forget():
        for name in set(DefaultScope._instance_dict) - session_default_scopes:
            del DefaultScope._instance_dict[name]

    forget()
    yield
    forget()
