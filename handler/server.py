"""Start TorchServe, wait until our own server's model answers, stop it leaving no process behind.

    python -m higherhrnet.handler.server serve --ts-config config.properties --model-store model_store \
        --run-dir .serve
    python -m higherhrnet.handler.server stop --run-dir .serve

TorchServe keeps its pid file and the unpacked archives in the temporary folder (TMPDIR/TEMP) and
its logs in LOG_LOCATION: all of them go under ``run_dir``, so a server is found again, and
stopped, through the same ``run_dir``. A pid file outlives its process (a crash, a reboot), and its
pid may then belong to anything: a process counts as our server only when its command line is
TorchServe's frontend with its temporary folder in ``run_dir``.
"""
import argparse
import contextlib
import datetime
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

PID_FILE = '.model_server.pid'
REPO_ROOT = Path(__file__).resolve().parents[1]
REPO_CONFIG = REPO_ROOT / 'config.properties'
LOG_CONFIG = REPO_ROOT / 'log4j2.xml'
FRONTEND_CLASS = 'org.pytorch.serve.ModelServer'
# Every address TorchServe listens on, with its defaults (TorchServe 0.12) for a config that leaves
# one out: (host property, port property or None when the port is in the URL, default).
LISTEN_ADDRESSES = {
    'inference_address': ('inference_address', None, 'http://127.0.0.1:8080'),
    'management_address': ('management_address', None, 'http://127.0.0.1:8081'),
    'metrics_address': ('metrics_address', None, 'http://127.0.0.1:8082'),
    'grpc_inference_port': ('grpc_inference_address', 'grpc_inference_port', '127.0.0.1:7070'),
    'grpc_management_port': ('grpc_management_address', 'grpc_management_port', '127.0.0.1:7071'),
}
PROGRESS_EVERY_S = 15
# allowed_urls of the repository's config.properties: the .mar files of the model store, written
# relative; write_ts_config puts the store's absolute path in. Any other value is the operator's.
STORE_ARCHIVES = r'file://model_store/[^/]+\\.mar'


class ServerError(RuntimeError):
    """TorchServe could not be started, or the server answering is not ours; says why and what to do."""


def torchserve_environment(run_dir):
    """Environment of the torchserve command (the pid file lives in its TMPDIR)."""
    run_dir = Path(run_dir).resolve()
    env = dict(os.environ)
    for name, sub in (('TMPDIR', 'tmp'), ('TEMP', 'tmp'), ('LOG_LOCATION', 'logs'),
                      ('METRICS_LOCATION', 'logs')):
        env[name] = str(run_dir / sub)
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    # mmengine writes a cache on import; keep it out of the home folder.
    env.setdefault('XDG_CACHE_HOME', str(run_dir / 'cache'))
    # compiled models (OpenVINO) and TensorRT engines of the network backends, kept between worker starts
    env.setdefault('HIGHERHRNET_MODEL_CACHE', str(run_dir / 'model_cache'))
    return env


def _torchserve():
    # TorchServe's launcher as a module of this interpreter, not the venv's `torchserve` script: a
    # copied or moved venv keeps the old interpreter in its scripts' #! line, and the launcher hands
    # its own interpreter to the workers.
    return [sys.executable, '-m', 'ts.model_server']


def read_properties(path):
    """A Java properties file (key=value lines) as a dict."""
    properties = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(('#', '!')) and '=' in line:
            key, value = line.split('=', 1)
            properties[key.strip()] = value.strip()
    return properties


def listen_addresses(properties):
    """{property name: (host, port)} of every socket TorchServe opens with these settings."""
    addresses = {}
    for name, (host_key, port_key, default) in LISTEN_ADDRESSES.items():
        if port_key is None:
            url = urllib.parse.urlsplit(properties.get(host_key, default))
            addresses[name] = (url.hostname, url.port)
        else:
            default_host, default_port = default.split(':')
            addresses[name] = (properties.get(host_key, default_host),
                               int(properties.get(port_key, default_port)))
    return addresses


def http_url(properties, name):
    """The URL of ``name`` (inference_address, management_address, metrics_address) in
    ``properties``, TorchServe's default when they leave it out."""
    return properties.get(name, LISTEN_ADDRESSES[name][2])


def _describe_process(pid):
    try:
        process = psutil.Process(pid)
        command = ' '.join(process.cmdline())
    except psutil.Error:
        return f'pid {pid}'
    if FRONTEND_CLASS in command:
        tmpdir = re.search(r'-Djava\.io\.tmpdir=(\S+)', command)
        return f'pid {pid}, a TorchServe' + (f' with its pid file in {tmpdir.group(1)}' if tmpdir else '')
    return f'pid {pid}: {command[:120]}'


def _listener(host, port):
    """Who listens on (host, port), as words; None when the port is free."""
    with socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET) as probe:
        # as the server binds: a port whose last connections linger in TIME_WAIT is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
            return None
        except OSError:
            pass
    pids = {c.pid for c in psutil.net_connections('tcp')
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid}
    return ', '.join(_describe_process(pid) for pid in sorted(pids)) or 'another process'


def check_ports_free(properties, ts_config):
    """Raise ``ServerError`` naming the first address of ``properties`` that something listens on,
    and ``ts_config``, the settings file to edit."""
    for name, (host, port) in listen_addresses(properties).items():
        owner = _listener(host, port)
        if owner is not None:
            raise ServerError(f'{host}:{port} ({name} of {ts_config}) is already in use ({owner}): '
                              'stop that server (make stop, if it is ours) or move the ports in '
                              f'{ts_config} (the HTTP addresses and grpc_inference_port / '
                              'grpc_management_port)')


def _pid_file(run_dir):
    return Path(run_dir) / 'tmp' / PID_FILE


def is_our_torchserve(process, run_dir):
    """Whether ``process`` is the TorchServe frontend started with ``run_dir`` (its command line
    names TorchServe's main class and, as its temporary folder, ``run_dir``/tmp)."""
    try:
        command = process.cmdline()
    except psutil.Error:  # gone, a zombie, or not ours to read
        return False
    tmpdir = f'-Djava.io.tmpdir={Path(run_dir).resolve() / "tmp"}'
    return FRONTEND_CLASS in command and tmpdir in command


def server_process(run_dir):
    """The TorchServe frontend started with ``run_dir`` (a ``psutil.Process``), or None."""
    try:
        pid = int(_pid_file(run_dir).read_text().split()[0])
        process = psutil.Process(pid)
    except (OSError, ValueError, IndexError, psutil.Error):
        return None
    return process if is_our_torchserve(process, run_dir) else None


def server_pid(run_dir):
    """Pid of the TorchServe frontend started with ``run_dir``, or None when none is running."""
    process = server_process(run_dir)
    return None if process is None else process.pid


def clear_stale_pid_file(run_dir):
    """Delete the pid file of ``run_dir`` when it names no TorchServe of ours (its process ended,
    and after a crash or a reboot the pid may be any other process); returns what it did, or None."""
    pid_file = _pid_file(run_dir)
    if not pid_file.is_file() or server_process(run_dir) is not None:
        return None
    text = pid_file.read_text().strip()
    pid_file.unlink()
    if text.isdigit() and psutil.pid_exists(int(text)):
        what = (f'{_describe_process(int(text))}, not the TorchServe of {run_dir}; that process was '
                'left alone')
    else:
        what = 'no running process' if text.isdigit() else f'{text[:20]!r}, not a pid'
    return f'removed the stale pid file {pid_file} (it named {what})'


def launch(ts_config, model_store, run_dir, environment=None):
    """Run ``torchserve --start`` for ``run_dir`` as it is (``start`` checks first); the frontend's
    own output goes to ``run_dir``/torchserve.out, the previous start's to torchserve.out.1."""
    run_dir = Path(run_dir).resolve()
    env = {**torchserve_environment(run_dir), **(environment or {})}
    out_path = run_dir / 'torchserve.out'
    if out_path.is_file():
        out_path.replace(run_dir / 'torchserve.out.1')
    with open(out_path, 'wb') as out:
        launcher = subprocess.run([*_torchserve(), '--start', '--ts-config', str(Path(ts_config).resolve()),
                                   '--model-store', str(Path(model_store).resolve()),
                                   '--log-config', str(LOG_CONFIG), '--ncs'],
                                  env=env, cwd=run_dir, stdout=out, stderr=subprocess.STDOUT)
    if launcher.returncode != 0:  # e.g. no java, a missing folder: it says so in its output
        raise ServerError(f'torchserve --start failed: {_exit_reason(run_dir)}')


def start(ts_config, model_store, run_dir, environment=None, edited_config=None):
    """Start TorchServe in the background (``environment``: extra variables, e.g. OMP_NUM_THREADS
    for its workers); returns the frontend's pid. Refuses when a port it needs is taken, naming
    ``edited_config`` (default ``ts_config``): the file a user edits, where ``ts_config`` is a copy
    generated from it."""
    run_dir = Path(run_dir).resolve()
    if server_process(run_dir) is not None:
        raise ServerError(f'TorchServe is already running from {run_dir} (stop it first)')
    clear_stale_pid_file(run_dir)
    check_ports_free(read_properties(ts_config), edited_config or ts_config)
    launch(ts_config, model_store, run_dir, environment)
    process = server_process(run_dir)
    if process is None:
        raise ServerError(f'TorchServe did not start: {_exit_reason(run_dir)}')
    return process.pid


def _last_lines(path, count, pattern=None):
    """The last ``count`` lines of a text file (only those matching ``pattern``), as one string."""
    if not Path(path).is_file():
        return ''
    lines = Path(path).read_text(errors='replace').splitlines()
    if pattern is not None:
        lines = [line for line in lines if re.search(pattern, line)]
    return '\n'.join(lines[-count:])


def _logged_at(line):
    """The time.time() of a log line (log4j2's ISO8601 local time at its start), or None."""
    try:
        return datetime.datetime.strptime(line[:23], '%Y-%m-%dT%H:%M:%S,%f').timestamp()
    except ValueError:
        return None


def worker_failure(run_dir, since=0.0, count=25):
    """The worker's last Python traceback in model_log.log (log prefixes cut), or its last lines;
    only lines logged from ``since`` (a time.time(), e.g. the frontend's start) on: the file keeps
    earlier runs too."""
    log = Path(run_dir) / 'logs' / 'model_log.log'
    lines = log.read_text(errors='replace').splitlines() if log.is_file() else []
    lines = [line for line in lines if (_logged_at(line) or since) >= since]
    messages = [line.split(' MODEL_LOG - ', 1)[-1] for line in lines]
    starts = [i for i, message in enumerate(messages) if message.startswith('Traceback')]
    relevant = messages[starts[-1]:] if starts else messages
    return '\n'.join(relevant[-count:])


def _exit_reason(run_dir):
    """Why the frontend ended: its exception (a port taken, a bad setting) in this start's output."""
    out = Path(run_dir) / 'torchserve.out'
    reason = _last_lines(out, 3, r'^\S.*(Exception|Error|already in use)') or _last_lines(out, 3)
    return reason.replace('\n', '; ') or f'no output in {out}'


def _listens(process, port):
    try:
        return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port
                   for c in process.net_connections('tcp'))
    except psutil.Error:
        return False


def _get_json(url):
    """The JSON answer to GET ``url``, or None when nothing (or an error status) answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return json.load(answer)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _alive(process):
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _workers(frontend):
    """The worker processes (TorchServe's model_service_worker.py) under ``frontend``."""
    try:
        children = frontend.children(recursive=True)
    except psutil.Error:
        return []
    workers = []
    for child in children:
        with contextlib.suppress(psutil.Error):
            if any('model_service_worker' in part for part in child.cmdline()):
                workers.append(child)
    return workers


def wait_until_ready(ts_config, model_name, run_dir, timeout_s=300, report=None):
    """Block until our TorchServe (the one of ``run_dir``) listens on its HTTP addresses of
    ``ts_config`` and a worker of ``model_name`` is READY; ``report(line)`` hears what it waits for.
    Raises ``ServerError`` with the reason when the server exits or a worker dies before the model
    is ready (TorchServe would restart it for minutes), ``TimeoutError`` after ``timeout_s``."""
    report = report or (lambda line: None)
    properties = read_properties(ts_config)
    addresses = listen_addresses(properties)
    http = [addresses[name] for name in ('inference_address', 'management_address', 'metrics_address')]
    model_log = Path(run_dir) / 'logs' / 'model_log.log'
    process = server_process(run_dir)
    # whole seconds: log4j2 writes local time to the millisecond, the frontend starts before its logs
    started = int(process.create_time()) if process is not None else 0.0
    workers_seen = {}
    start_time = time.monotonic()
    waiting_for, last_report = None, 0.0
    while time.monotonic() - start_time < timeout_s:
        if process is None or not is_our_torchserve(process, run_dir):
            raise ServerError(f'TorchServe exited while starting: {_exit_reason(run_dir)}')
        if not all(_listens(process, port) for _, port in http):
            now = f'TorchServe (pid {process.pid}) to listen on {", ".join(f"{h}:{p}" for h, p in http)}'
        else:
            described = _get_json(f'{http_url(properties, "management_address")}/models/{model_name}')
            workers = described[0].get('workers', []) if described else []
            if any(worker.get('status') == 'READY' for worker in workers):
                return
            workers_seen.update((worker.pid, worker) for worker in _workers(process))
            if not all(_alive(worker) for worker in workers_seen.values()):
                raise ServerError(f'the worker process died while loading {model_name}; the last lines '
                                  f'of {model_log}:\n{worker_failure(run_dir, started)}')
            now = f'a worker to load {model_name} (its output: {model_log})'
        elapsed = time.monotonic() - start_time
        if now != waiting_for or elapsed - last_report >= PROGRESS_EVERY_S:
            report(f'waiting for {now} ({elapsed:.0f} s)')
            waiting_for, last_report = now, elapsed
        time.sleep(0.5)
    raise TimeoutError(f'{model_name} not ready after {timeout_s} s (--timeout-s waits longer); the last '
                       f'lines of {model_log}:\n{worker_failure(run_dir, started)}')


def stop(run_dir, timeout_s=60):
    """Stop the TorchServe of ``run_dir`` and every process it started; False if none was running.
    Signals only a process that ``is_our_torchserve``; a stale pid file is removed."""
    run_dir = Path(run_dir).resolve()
    frontend = server_process(run_dir)
    if frontend is None:
        clear_stale_pid_file(run_dir)
        return False
    try:
        family = [frontend] + frontend.children(recursive=True)
        frontend.terminate()  # psutil checks the pid still names the process it identified
    except psutil.NoSuchProcess:
        family = []
    # The frontend stops its workers on the way out; whatever is left after the timeout is killed.
    _, alive = psutil.wait_procs(family, timeout=timeout_s)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(alive, timeout=10)
    _pid_file(run_dir).unlink(missing_ok=True)
    # written at start when token authorization is on; torchserve --stop deletes it too
    (run_dir / 'key_file.json').unlink(missing_ok=True)
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


def _set_property(text, key, value):
    """``text`` of a properties file with ``key`` set to ``value`` (replaced, or appended)."""
    line = f'{key}={value}'
    text, found = re.subn(rf'^{key}=.*$', lambda _: line, text, flags=re.MULTILINE)
    if found > 1:
        raise ValueError(f'more than one {key}= line')
    return text if found else text.rstrip('\n') + f'\n{line}\n'


def write_ts_config(path, model_store, ports=None, template=REPO_CONFIG):
    """``template`` (the repository's config.properties) with ``model_store`` set, allowed_urls
    (when it is the repository's ``STORE_ARCHIVES``, or absent) limited to the .mar files of that
    store, and its five ports (inference, management, metrics, gRPC inference, gRPC management)
    moved to ``ports`` when given."""
    model_store = Path(model_store).resolve()
    settings = {'model_store': str(model_store)}
    if read_properties(template).get('allowed_urls', STORE_ARCHIVES) == STORE_ARCHIVES:
        # A Java regex in a properties file, which takes a backslash as an escape: doubled.
        pattern = f'file://{re.escape(str(model_store))}/[^/]+\\.mar'
        settings['allowed_urls'] = pattern.replace('\\', '\\\\')
    if ports is not None:
        inference, management, metrics, grpc_inference, grpc_management = ports
        settings.update(inference_address=f'http://127.0.0.1:{inference}',
                        management_address=f'http://127.0.0.1:{management}',
                        metrics_address=f'http://127.0.0.1:{metrics}',
                        grpc_inference_port=str(grpc_inference),
                        grpc_management_port=str(grpc_management))
    text = Path(template).read_text()
    for key, value in settings.items():
        text = _set_property(text, key, value)
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
    # host:port of the gRPC inference API (a gRPC target, not a URL)
    grpc_inference: str = None

    def processes(self):
        """The frontend and every process under it (its workers)."""
        frontend = server_process(self.run_dir)
        return [frontend] + frontend.children(recursive=True)


@contextlib.contextmanager
def local_torchserve(model_store, run_dir, model_name='higherhrnet', environment=None, timeout_s=300,
                     template=REPO_CONFIG):
    """TorchServe of ``model_store`` (holding ``<model_name>.mar``) on free loopback ports, with its
    files under ``run_dir`` and the settings of ``template`` (default the repository's
    config.properties); yields its ``Endpoints`` once the model answers, stops it on exit."""
    run_dir = Path(run_dir).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    ports = free_ports(5)
    ts_config = write_ts_config(run_dir / 'config.properties', model_store, ports, template)
    endpoints = Endpoints(*(f'http://127.0.0.1:{port}' for port in ports[:3]), model_name, run_dir,
                          f'127.0.0.1:{ports[3]}')
    try:
        start(ts_config, model_store, run_dir, environment)
        wait_until_ready(ts_config, model_name, run_dir, timeout_s)
        yield endpoints
    finally:
        stop(run_dir)


def serve(ts_config, model_store, model_name, run_dir, timeout_s):
    """``make serve``: start TorchServe from a copy of ``ts_config`` pinned to ``model_store``, wait
    for the model, say where to send images. Exits non-zero with the reason when it cannot."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if not (Path(model_store) / f'{model_name}.mar').is_file():
        sys.exit(f'make serve: {Path(model_store) / model_name}.mar does not exist: make archive writes it')
    if not Path(ts_config).is_file():
        sys.exit(f'make serve: the TorchServe settings {ts_config} do not exist')
    effective = write_ts_config(run_dir / 'config.properties', model_store, template=ts_config)
    properties = read_properties(effective)
    inference = http_url(properties, 'inference_address')
    if server_process(run_dir) is not None:
        print(f'TorchServe is already running from {run_dir}; make stop stops it. Try:\n'
              f'  curl -T image.jpg {inference}/predictions/{model_name}')
        return
    stale = clear_stale_pid_file(run_dir)
    if stale:
        print(stale)
    print(f'Starting TorchServe with {effective} (logs in {run_dir / "logs"})', flush=True)
    try:
        start(effective, model_store, run_dir, edited_config=ts_config)
        wait_until_ready(effective, model_name, run_dir, timeout_s,
                         report=lambda line: print(line, flush=True))
    except (ServerError, TimeoutError) as error:
        stop(run_dir)
        sys.exit(f'make serve: {error}')
    print(f'TorchServe is serving {model_name} (logs in {run_dir / "logs"}). Try:\n'
          f'  curl -T image.jpg {inference}/predictions/{model_name}\n'
          f'Metrics: {http_url(properties, "metrics_address")}/metrics   Stop: make stop')


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
    if args.command == 'serve':
        serve(args.ts_config, args.model_store, args.model_name, run_dir, args.timeout_s)
        return
    stale = clear_stale_pid_file(run_dir)
    if stale:
        print(stale)
    print('TorchServe stopped.' if stop(run_dir) else f'No TorchServe of {run_dir} is running.')


if __name__ == '__main__':
    main()
