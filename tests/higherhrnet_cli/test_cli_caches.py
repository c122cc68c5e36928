"""The command keeps the caches of the libraries under it (mmengine, YAPF, matplotlib) out of the home
folder: a training run with a fresh HOME leaves it empty."""
import os
import subprocess
import sys

from training_testdata import write_tiny_training_config

from higherhrnet.cli.caches import cache_folder


def test_a_training_run_writes_nothing_under_home(tmp_path):
    config = write_tiny_training_config(tmp_path, num_images=2, max_epochs=1)
    home = tmp_path / 'home'
    home.mkdir()
    environment = {name: value for name, value in os.environ.items()
                   if name not in ('XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'MPLCONFIGDIR', 'TORCH_HOME')}
    environment.update(HOME=str(home), OMP_NUM_THREADS='1')
    finished = subprocess.run([sys.executable, '-m', 'higherhrnet.cli.main', 'train', str(config),
                               '--work-dir', str(tmp_path / 'work_dir')],
                              env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert list(home.rglob('*')) == []
    assert (cache_folder() / 'matplotlib').is_dir()
