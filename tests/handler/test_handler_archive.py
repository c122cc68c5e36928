"""handler.archive: what the .mar holds, weights checked before archiving (and the official file
fetched when missing), untrained archives."""
import hashlib
import http.server
import io
import json
import subprocess
import sys
import threading
import time
import zipfile

import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.registry import MODELS
from serving import write_tiny_model

from conftest import CONFIG_DIR, REPO_ROOT
from training_testdata import trained_run  # noqa: F401 (fixture)
from higherhrnet.handler.archive import build_archive, main, run_time_dependencies, worker_requirements
from higherhrnet.handler.official_weights import DownloadError, download
from higherhrnet.handler.server import free_ports
from higherhrnet.model_def.checkpoint import load_official_checkpoint


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp('tiny'))


def archive_files(mar):
    with zipfile.ZipFile(mar) as archive:
        names = set(archive.namelist())
        settings = yaml.safe_load(archive.read('model-config.yaml'))
    return names, settings


def test_archive_holds_handler_packages_config_weights_and_settings(tmp_path, tiny_model):
    config = CONFIG_DIR / 'higherhrnet_w32_coco_512.py'
    # what the archive holds, not whether the (width 8) weights fit the config: check=False
    mar = build_archive(config, tiny_model[1], tmp_path, batch_size=4, max_batch_delay_ms=20,
                        workers=1, device='cpu', check=False)
    assert mar == tmp_path / 'higherhrnet.mar'
    names, settings = archive_files(mar)
    # packages keep their installed layout under higherhrnet/; the config travels with its _base_ files
    assert {'higherhrnet_handler.py', 'higherhrnet/__init__.py', 'higherhrnet/handler/request.py',
            'higherhrnet/handler/image.py', 'higherhrnet/model_def/__init__.py',
            'higherhrnet/model_def/inference/estimator.py', 'higherhrnet/registry/__init__.py',
            'higherhrnet/registry/configs/_base_/coco.py',
            'higherhrnet/registry/configs/higherhrnet_w32_coco_512.py', tiny_model[1].name,
            'MAR-INF/MANIFEST.json', 'model-config.yaml'} <= names
    assert not [name for name in names if '__pycache__' in name]
    assert settings['batchSize'] == 4 and settings['maxBatchDelay'] == 20
    assert settings['minWorkers'] == settings['maxWorkers'] == 1 and settings['deviceType'] == 'cpu'
    assert settings['handler']['config'] == 'higherhrnet/registry/configs/higherhrnet_w32_coco_512.py'
    # no top-level package of ours that could shadow a user's own 'registry' or 'handler'
    assert not [name for name in names if name.split('/')[0] in ('handler', 'model_def', 'registry')]
    assert settings['handler']['weights'] == tiny_model[1].name
    assert settings['handler']['untrained'] is False
    # the Python packages the worker needs, for a TorchServe without our .venv (install_py_dep_per_model)
    with zipfile.ZipFile(mar) as archive:
        manifest = json.loads(archive.read('MAR-INF/MANIFEST.json'))
        requirements = archive.read('requirements.txt').decode().splitlines()
    assert manifest['model']['requirementsFile'] == 'requirements.txt'
    assert requirements == worker_requirements()


def test_the_archive_requirements_are_the_pins_of_what_the_worker_needs():
    pins = (REPO_ROOT / 'requirements.txt').read_text().splitlines()
    requirements = worker_requirements()
    assert set(requirements) <= set(pins)  # exact pins, requirements.txt the one source
    names = {line.split('==')[0].lower() for line in requirements}
    assert {'mmengine', 'numpy', 'opencv-python', 'pillow', 'pyyaml', 'addict', 'yapf', 'termcolor'} <= names
    assert not names & {'torch', 'torchserve', 'pytest', 'onnx', 'pycocotools'}


def test_a_dependency_requirements_txt_does_not_pin_is_refused(tmp_path):
    pins = tmp_path / 'requirements.txt'
    pins.write_text(''.join(line + '\n' for line in worker_requirements() if not line.startswith('addict==')))
    with pytest.raises(ValueError, match='pins no addict, which the worker needs'):
        worker_requirements(pins)


WORKER_IMPORTS = '''
import json, sys
from importlib import metadata
import numpy as np
from higherhrnet.handler.higherhrnet_handler import HigherHRNetHandler
from higherhrnet.model_def import PoseEstimator
from higherhrnet.model_def.untrained import untrained_state_dict
PoseEstimator.from_config(sys.argv[1], untrained_state_dict(sys.argv[1])).predict(np.zeros((64, 64, 3), np.uint8))
by_module = metadata.packages_distributions()
print(json.dumps(sorted({dist for module in list(sys.modules) for dist in by_module.get(module.split('.')[0], [])})))
'''


def test_the_archive_requirements_cover_every_package_the_worker_imports(tmp_path, tiny_model):
    """The distributions of every module a worker has imported after a prediction are in the archive's
    requirements, or come with torch and TorchServe."""
    from packaging.utils import canonicalize_name

    out = subprocess.run([sys.executable, '-c', WORKER_IMPORTS, str(tiny_model[0])], cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    imported = {canonicalize_name(name) for name in json.loads(out.splitlines()[-1])}
    covered = {canonicalize_name(line.split('==')[0]) for line in worker_requirements()}
    serving = run_time_dependencies(['torch', 'torchserve'], leave_out=())
    # ours; the venv's own distutils shim (setuptools); torch.hub's optional progress bar (tqdm)
    assert imported - covered - serving <= {'higherhrnet-serve', 'setuptools', 'tqdm'}


def test_a_config_by_package_prefix_travels_with_registry(tmp_path, tiny_model):
    mar = build_archive('higherhrnet::higherhrnet_w32_coco_640.py', tiny_model[1], tmp_path, check=False)
    names, settings = archive_files(mar)
    assert settings['handler']['config'] == 'higherhrnet/registry/configs/higherhrnet_w32_coco_640.py'
    with pytest.raises(FileNotFoundError, match='known: .*higherhrnet::higherhrnet_w32_coco_512.py'):
        build_archive('higherhrnet::higherhrnet_w64.py', tiny_model[1], tmp_path, check=False)


def test_a_config_outside_the_repository_is_archived_flattened(tmp_path, tiny_model):
    names, settings = archive_files(build_archive(tiny_model[0], tiny_model[1], tmp_path))
    assert settings['handler']['config'] == f'configs/{tiny_model[0].name}' in names


def archive_main(tmp_path, weights, *options):
    """``make archive`` of the default config with ``weights``; its exit message (None on success)."""
    try:
        main(['--config', str(CONFIG_DIR / 'higherhrnet_w32_coco_512.py'), '--weights', str(weights),
              '--export-path', str(tmp_path / 'store'), *options])
    except SystemExit as exit_:
        return str(exit_.code)
    return None


@pytest.fixture
def loopback_file_server(tmp_path):
    """An HTTP server on 127.0.0.1 serving ``tmp_path / 'served'``; yields its base URL."""
    served = tmp_path / 'served'
    served.mkdir()
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(served))  # noqa: E731
    with http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f'http://127.0.0.1:{server.server_address[1]}', served
        server.shutdown()


def test_cpu_settings_that_overrun_the_response_timeout_are_warned_with_the_numbers(tmp_path, tiny_model,
                                                                                 capsys):
    """README's own example, --batch-size 16 with the default 2 MP on a CPU: 16 x 2 x 3.9 = 125 s."""
    config = CONFIG_DIR / 'higherhrnet_w32_coco_512.py'
    build_archive(config, tiny_model[1], tmp_path, batch_size=8, device='cpu', check=False)
    assert 'warning' not in capsys.readouterr().err
    build_archive(config, tiny_model[1], tmp_path, batch_size=16, device='cpu', check=False)
    assert capsys.readouterr().err == (
        'make archive: warning: batchSize 16 x max_request_megapixels 2 x 3.9 s per megapixel '
        '(w32_512 on 2 CPU cores) = 125 s, not under responseTimeout 120 s: a full batch of the '
        'costliest requests would not finish in time on a CPU; lower batchSize to 15 or '
        'max_request_megapixels to 1.92, or raise responseTimeout\n')


NOT_CHECKPOINTS = {
    'text': b'weights = "pose_higher_hrnet_w32_512.pth"\n',
    'empty': b'',
    # the opcodes of plain prose end torch's weights-only unpickler in IndexError: pop from empty list
    'prose': b'some text that is longer than ten bytes and more\n',
    'jpeg': b'\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00' + bytes(64),
}


@pytest.mark.parametrize('kind', NOT_CHECKPOINTS)
def test_a_file_that_is_not_a_checkpoint_fails_at_once(tmp_path, kind):
    weights = tmp_path / 'pose_higher_hrnet_w32_512.pth'
    weights.write_bytes(NOT_CHECKPOINTS[kind])
    started = time.monotonic()
    message = archive_main(tmp_path, weights)
    assert time.monotonic() - started < 30  # no server, no retries: it reads one small file
    assert message.startswith(f'make archive: {weights} ') and 'checkpoint' in message
    assert '\n' not in message and 'weights_only` set to `False' not in message
    assert not (tmp_path / 'store').exists()


def test_weights_of_another_network_fail_naming_the_config_that_fits(tmp_path, tiny_model):
    message = archive_main(tmp_path, tiny_model[1])
    assert message.startswith(f'make archive: {tiny_model[1]} does not fit higherhrnet_w32_coco_512.py')
    assert 'mis-shaped keys' in message and 'width 8 with 17 joints' in message
    assert not (tmp_path / 'store').exists()


def test_missing_official_weights_without_internet_say_so_in_one_line(tmp_path):
    missing = tmp_path / 'weights' / 'pose_higher_hrnet_w32_512.pth'
    unreachable = f'http://127.0.0.1:{free_ports(1)[0]}/pose_higher_hrnet_w32_512.pth'
    message = archive_main(tmp_path, missing, '--weights-url', unreachable)
    assert message.startswith('make archive: cannot download pose_higher_hrnet_w32_512.pth from '
                              f'{unreachable} ')
    assert '\n' not in message and 'no internet?' in message and 'WEIGHTS=untrained' in message
    assert 'https://github.com/HRNet/HigherHRNet-Human-Pose-Estimation' in message and str(missing) in message
    assert not missing.exists() and not missing.with_name(missing.name + '.part').exists()


def test_a_download_is_kept_only_with_the_published_checksum(tmp_path, loopback_file_server, tiny_model):
    url, served = loopback_file_server
    served.joinpath('w.pth').write_bytes(tiny_model[1].read_bytes())
    # the official name with the official checksum: this file is not it
    official = tmp_path / 'weights' / 'pose_higher_hrnet_w32_512.pth'
    message = archive_main(tmp_path, official, '--weights-url', f'{url}/w.pth')
    assert 'not the published' in message and not official.exists()
    with pytest.raises(DownloadError, match='not the published'):
        download(f'{url}/w.pth', '0' * 96, tmp_path / 'w.pth')
    sha384 = hashlib.sha384(tiny_model[1].read_bytes()).hexdigest()
    assert download(f'{url}/w.pth', sha384, tmp_path / 'w.pth').read_bytes() == tiny_model[1].read_bytes()


def test_missing_weights_say_what_to_put_where(tmp_path, capsys):
    missing = tmp_path / 'weights' / 'my_weights.pth'
    with pytest.raises(SystemExit) as exit_:
        main(['--config', str(CONFIG_DIR / 'higherhrnet_w32_coco_512.py'), '--weights', str(missing),
              '--export-path', str(tmp_path / 'store')])
    message = str(exit_.value.code)
    assert str(missing) in message
    assert 'https://github.com/HRNet/HigherHRNet-Human-Pose-Estimation' in message
    assert 'WEIGHTS=untrained' in message
    assert not (tmp_path / 'store' / 'higherhrnet.mar').exists()


def test_untrained_archive_holds_loadable_initialised_weights(tmp_path, tiny_model, capsys):
    main(['--config', str(tiny_model[0]), '--weights', 'untrained', '--export-path', str(tmp_path / 'store')])
    mar = tmp_path / 'store' / 'higherhrnet.mar'
    assert 'UNTRAINED' in capsys.readouterr().out  # make archive's output says so
    names, settings = archive_files(mar)
    assert settings['handler']['untrained'] is True
    weights = settings['handler']['weights']
    assert weights in names
    with zipfile.ZipFile(mar) as archive:
        archive.extract(weights, tmp_path)
    model = MODELS.build(Config.fromfile(str(tiny_model[0])).model)
    load_official_checkpoint(model, tmp_path / weights)  # strict: every official key present
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_a_training_checkpoint_is_archived_as_its_weights_alone(tmp_path, trained_run, capsys):
    checkpoint = trained_run.work_dir / 'epoch_2.pth'
    assert 'optimizer' in torch.load(checkpoint, weights_only=True)
    mar = build_archive(trained_run.config, checkpoint, tmp_path, workers=1, device='cpu')
    assert 'without its training state (message_hub, optimizer, param_schedulers)' in capsys.readouterr().out
    with zipfile.ZipFile(mar) as archive:
        packed = archive.read(checkpoint.name)
    weights = torch.load(io.BytesIO(packed), weights_only=True)
    assert set(weights) == {'state_dict', 'meta'}
    assert weights['meta']['epoch'] == 2 and 'dataset_meta' in weights['meta']
    # Adam's two moments are gone: the weights file is well under the checkpoint's size
    assert len(packed) < 0.5 * checkpoint.stat().st_size
    trained = torch.load(checkpoint, weights_only=True)['state_dict']
    assert all(torch.equal(value, trained[key]) for key, value in weights['state_dict'].items())
    assert set(weights['state_dict']) == set(trained)
