"""Start TorchServe, wait until a model answers, stop it leaving no process behind.

    python -m handler.server serve --ts-config config.properties --model-store model_store --run-dir .serve
    python -m handler.server stop --run-dir .serve

TorchServe keeps its pid file and the unpacked archives in the temporary folder (TMPDIR/TEMP) and
its logs in LOG_LOCATION: all of them go under ``run_dir``, so a server is found again, and
stopped, through the same ``run_dir``.
"""
import argparse
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

PID_FILE = '.model_server.pid'
REPO_CONFIG = Path(__file__).resolve().parents[1] / 'config.properties'


def torchserve_environment(run_dir):
    """Environment of the torchserve commands (start and stop must agree on TMPDIR)."""
    run_dir = Path(run_dir).resolve()
    env = dict(os.environ)
    for name, sub in (('TMPDIR', 'tmp'), ('TEMP', 'tmp'), ('LOG_LOCATION', 'logs'),
                      ('METRICS_LOCATION', 'logs')):
        env[name] = str(run_dir / sub)
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    # mmengine writes a cache on import; keep it out of the home folder.
    env.setdefault('XDG_CACHE_HOME', str(run_dir / 'cache'))
    return env


def _torchserve():
    return str(Path(sys.executable).with_name('torchserve'))


def read_properties(path):
    """A Java properties file (key=value lines) as a dict."""
    properties = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(('#', '!')) and '=' in line:
            key, value = line.split('=', 1)
            properties[key.strip()] = value.strip()
    return properties


def server_pid(run_dir):
    """Pid of the TorchServe frontend started with ``run_dir``, or None when none is running."""
    pid_file = Path(run_dir) / 'tmp' / PID_FILE
    if not pid_file.is_file():
        return None
    pid = int(pid_file.read_text().split()[0])
    return pid if psutil.pid_exists(pid) else None


def start(ts_config, model_store, run_dir, environment=None):
    """Start TorchServe in the background (``environment``: extra variables, e.g. OMP_NUM_THREADS
    for its workers); returns the frontend's pid."""
    run_dir = Path(run_dir).resolve()
    if server_pid(run_dir) is not None:
        raise RuntimeError(f'TorchServe is already running from {run_dir} (stop it first)')
    env = {**torchserve_environment(run_dir), **(environment or {})}
    with open(run_dir / 'torchserve.out', 'ab') as out:
        subprocess.run([_torchserve(), '--start', '--ts-config', str(Path(ts_config).resolve()),
                        '--model-store', str(Path(model_store).resolve()), '--ncs'],
                       env=env, cwd=run_dir, stdout=out, stderr=subprocess.STDOUT, check=True)
    pid = server_pid(run_dir)
    if pid is None:
        raise RuntimeError(f'TorchServe did not start; see {run_dir / "torchserve.out"}')
    return pid


def _log_tail(run_dir, lines=30):
    log = Path(run_dir) / 'logs' / 'ts_log.log'
    return '\n'.join(log.read_text(errors='replace').splitlines()[-lines:]) if log.is_file() else ''


def wait_until_ready(management_url, model_name, run_dir, timeout_s=300):
    """Block until a worker of ``model_name`` is READY; raises with the log's tail otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server_pid(run_dir) is None:
            raise RuntimeError(f'TorchServe exited while starting:\n{_log_tail(run_dir)}')
        try:
            with urllib.request.urlopen(f'{management_url}/models/{model_name}', timeout=5) as answer:
                workers = json.load(answer)[0]['workers']
            if any(worker['status'] == 'READY' for worker in workers):
                return
        except (urllib.error.URLError, ConnectionError, OSError, KeyError, IndexError, ValueError):
            pass  # not listening yet, or the model not registered yet
        time.sleep(1.0)
    raise TimeoutError(f'model {model_name} not ready after {timeout_s} s:\n{_log_tail(run_dir)}')


def stop(run_dir, timeout_s=60):
    """Stop the TorchServe of ``run_dir`` and every process it started; False if none was running."""
    run_dir = Path(run_dir).resolve()
    pid = server_pid(run_dir)
    if pid is None:
        return False
    try:
        frontend = psutil.Process(pid)
        family = [frontend] + frontend.children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    subprocess.run([_torchserve(), '--stop', '--foreground'], env=torchserve_environment(run_dir),
                   cwd=run_dir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, check=False)
    # The frontend stops its workers on the way out; whatever is left after the timeout is killed.
    _, alive = psutil.wait_procs(family, timeout=timeout_s)
    for process in alive:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=10)
    return True


def free_ports(count):
    """``count`` distinct TCP ports free on the loopback interface right now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(('127.0.0.1', 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def write_ts_config(path, model_store, ports, template=REPO_CONFIG):
    """``template`` (the repository's config.properties) with its five ports (inference, management,
    metrics, gRPC inference, gRPC management) moved to ``ports`` and ``model_store`` set."""
    inference, management, metrics, grpc_inference, grpc_management = ports
    replacements = {
        'inference_address': f'http://127.0.0.1:{inference}',
        'management_address': f'http://127.0.0.1:{management}',
        'metrics_address': f'http://127.0.0.1:{metrics}',
        'grpc_inference_port': str(grpc_inference),
        'grpc_management_port': str(grpc_management),
        'model_store': str(Path(model_store).resolve()),
    }
    text = Path(template).read_text()
    for key, value in replacements.items():
        text, found = re.subn(rf'^{key}=.*$', f'{key}={value}', text, flags=re.MULTILINE)
        if found != 1:
            raise ValueError(f'{template} needs exactly one {key}= line')
    Path(path).write_text(text)
    return Path(path)


@dataclass
class Endpoints:
    """Base URLs of a running TorchServe and where it keeps its files."""

    inference: str
    management: str
    metrics: str
    model_name: str
    run_dir: Path

    def processes(self):
        """The frontend and every process under it (its workers)."""
        frontend = psutil.Process(server_pid(self.run_dir))
        return [frontend] + frontend.children(recursive=True)


@contextlib.contextmanager
def local_torchserve(model_store, run_dir, model_name='higherhrnet', environment=None, timeout_s=300):
    """TorchServe of ``model_store`` (holding ``<model_name>.mar``) on free loopback ports, with its
    files under ``run_dir``; yields its ``Endpoints`` once the model answers, stops it on exit."""
    run_dir = Path(run_dir).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    ports = free_ports(5)
    ts_config = write_ts_config(run_dir / 'config.properties', model_store, ports)
    endpoints = Endpoints(*(f'http://127.0.0.1:{port}' for port in ports[:3]), model_name, run_dir)
    try:
        start(ts_config, model_store, run_dir, environment)
        wait_until_ready(endpoints.management, model_name, run_dir, timeout_s)
        yield endpoints
    finally:
        stop(run_dir)


def main(argv=None):
    parser = argparse.ArgumentParser(description='Start or stop the TorchServe of this repository.')
    parser.add_argument('command', choices=('serve', 'stop'))
    parser.add_argument('--ts-config', default='config.properties')
    parser.add_argument('--model-store', default='model_store')
    parser.add_argument('--model-name', default='higherhrnet')
    parser.add_argument('--run-dir', default='.serve')
    parser.add_argument('--timeout-s', type=int, default=300)
    args = parser.parse_args(argv)
    run_dir = Path(args.run_dir).resolve()
    if args.command == 'stop':
        print('TorchServe stopped.' if stop(run_dir) else 'TorchServe is not running.')
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    properties = read_properties(args.ts_config)
    inference = properties['inference_address']
    if server_pid(run_dir) is not None:
        print(f'TorchServe is already running from {run_dir}; make stop stops it. Try:\n'
              f'  curl -T image.jpg {inference}/predictions/{args.model_name}')
        return
    try:
        start(args.ts_config, args.model_store, run_dir)
        wait_until_ready(properties['management_address'], args.model_name, run_dir, args.timeout_s)
    except (RuntimeError, TimeoutError) as error:
        stop(run_dir)
        sys.exit(f'make serve: {error}')
    print(f'TorchServe is serving {args.model_name} (logs in {run_dir / "logs"}). Try:\n'
          f'  curl -T image.jpg {inference}/predictions/{args.model_name}\n'
          f'Metrics: {properties["metrics_address"]}/metrics   Stop: make stop')


if __name__ == '__main__':
    main()
