"""handler.server against a real TorchServe: the write API is closed, `make serve` fails honestly
when its own server is not the one answering, `make stop` signals only its own server."""
import subprocess
import zipfile

import psutil
import pytest
import requests
import yaml
from serving import running_torchserve, write_tiny_model

from conftest import REPO_ROOT
from higherhrnet.handler.archive import build_archive
from higherhrnet.handler.server import (PID_FILE, ServerError, free_ports, launch, main, server_pid, stop,
                                        wait_until_ready, write_ts_config)


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp('tiny'))


@pytest.fixture(scope='module')
def server(tmp_path_factory, tiny_model):
    with running_torchserve(tmp_path_factory.mktemp('torchserve'), *tiny_model, batch_size=1) as endpoints:
        yield endpoints


@pytest.fixture
def unrelated_process():
    """A `sleep 300` standing for whatever process a stale pid file may name after a reboot."""
    process = subprocess.Popen(['sleep', '300'])
    yield process
    process.kill()
    process.wait()


def write_pid_file(run_dir, pid):
    (run_dir / 'tmp').mkdir(parents=True, exist_ok=True)
    (run_dir / 'tmp' / PID_FILE).write_text(str(pid))


def test_registering_a_model_or_a_workflow_is_refused(server):
    closed_port = free_ports(1)[0]
    for url in (f'http://127.0.0.1:{closed_port}/evil.mar', 'higherhrnet.mar', '/tmp/evil.mar'):
        answer = requests.post(f'{server.management}/models', params={'url': url, 'model_name': 'evil'},
                               timeout=10)
        assert answer.status_code == 405, (url, answer.text)
    assert requests.delete(f'{server.management}/models/{server.model_name}', timeout=10).status_code == 405
    # the workflow API is not behind enable_model_api: allowed_urls (the model store's .mar files) is
    for url in (f'http://127.0.0.1:{closed_port}/evil.war', 'file:///tmp/evil.war'):
        answer = requests.post(f'{server.management}/workflows', params={'url': url}, timeout=10)
        assert answer.status_code == 404 and 'does not match any allowed URL' in answer.json()['message']
    # what the readiness check reads still answers
    described = requests.get(f'{server.management}/models/{server.model_name}', timeout=10).json()
    assert [worker['status'] for worker in described[0]['workers']] == ['READY']


def test_serve_exits_nonzero_naming_the_port_another_server_holds(server, tmp_path):
    store = server.run_dir.parent / 'model_store'
    with pytest.raises(SystemExit) as exit_:
        main(['serve', '--ts-config', str(server.run_dir / 'config.properties'), '--model-store', str(store),
              '--run-dir', str(tmp_path / 'second'), '--timeout-s', '60'])
    message = str(exit_.value.code)
    assert message.startswith('make serve: 127.0.0.1:') and 'already in use' in message
    # the file to edit, not the copy that make serve generates from it
    assert message.endswith(f'move the ports in {server.run_dir / "config.properties"} (the HTTP addresses '
                            'and grpc_inference_port / grpc_management_port)')
    assert str(tmp_path / 'second') not in message
    assert f'a TorchServe with its pid file in {server.run_dir / "tmp"}' in message
    assert server_pid(tmp_path / 'second') is None
    assert requests.get(f'{server.inference}/ping', timeout=10).status_code == 200


def test_a_server_that_could_not_bind_is_not_mistaken_for_the_one_answering(server, tmp_path):
    # what happens when another server takes the ports between the check and the start
    run_dir = tmp_path / 'second'
    ts_config = server.run_dir / 'config.properties'
    launch(ts_config, server.run_dir.parent / 'model_store', run_dir)
    try:
        with pytest.raises(ServerError, match='exited while starting: .*Address already in use'):
            wait_until_ready(ts_config, server.model_name, run_dir, timeout_s=120)
    finally:
        stop(run_dir)


def test_stop_leaves_the_process_of_a_stale_pid_file_alive(unrelated_process, tmp_path):
    run_dir = tmp_path / 'serve'
    write_pid_file(run_dir, unrelated_process.pid)
    result = subprocess.run(['make', '--no-print-directory', 'stop', f'SERVE_DIR={run_dir}'], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f'removed the stale pid file {run_dir / "tmp" / PID_FILE}' in result.stdout
    assert 'sleep 300' in result.stdout and 'left alone' in result.stdout
    assert unrelated_process.poll() is None
    assert not (run_dir / 'tmp' / PID_FILE).exists()


def test_stop_leaves_a_torchserve_of_another_run_dir_alive(server, tmp_path):
    run_dir = tmp_path / 'serve'
    write_pid_file(run_dir, server_pid(server.run_dir))
    assert stop(run_dir) is False
    assert psutil.pid_exists(server_pid(server.run_dir))
    assert requests.get(f'{server.inference}/ping', timeout=10).status_code == 200


def test_serve_exits_nonzero_with_the_traceback_of_a_worker_that_cannot_load(tiny_model, tmp_path, capsys):
    store = tmp_path / 'store'
    mar = build_archive(*tiny_model, tmp_path / 'good', workers=1, device='cpu')
    # the archive of a handler that fails: its config names weights the archive does not hold
    store.mkdir()
    with zipfile.ZipFile(mar) as good, zipfile.ZipFile(store / mar.name, 'w') as bad:
        for entry in good.infolist():
            data = good.read(entry)
            if entry.filename == 'model-config.yaml':
                settings = yaml.safe_load(data)
                settings['handler']['weights'] = 'absent_weights.pth'
                data = yaml.safe_dump(settings)
            bad.writestr(entry, data)
    ts_config = write_ts_config(tmp_path / 'config.properties', store, free_ports(5))
    run_dir = tmp_path / 'run'
    with pytest.raises(SystemExit) as exit_:
        main(['serve', '--ts-config', str(ts_config), '--model-store', str(store), '--run-dir', str(run_dir),
              '--timeout-s', '120'])
    message = str(exit_.value.code)
    assert 'the worker process died while loading higherhrnet' in message
    assert 'absent_weights.pth' in message and 'Traceback' in message
    assert 'waiting for a worker to load higherhrnet' in capsys.readouterr().out
    assert server_pid(run_dir) is None


def test_each_log_line_is_written_once_and_not_to_the_console(server):
    lines = (server.run_dir / 'logs' / 'ts_log.log').read_text().splitlines()
    assert any('Model API enabled: false' in line for line in lines)
    assert len(lines) == len(set(lines))
    assert 'MODEL_LOG' not in (server.run_dir / 'torchserve.out').read_text()
    assert 'MODEL_LOG' in (server.run_dir / 'logs' / 'model_log.log').read_text()
