"""Throughput and latency of the TorchServe product with and without dynamic batching.

    .venv/bin/python bench/serve.py [--config ...] [--weights ...] [--images 64] [--clients 8]

For each TorchServe batch size (default 1 and 8) and each network backend (``--backends``, default
torch and every other one installed that runs on the CPU) it archives the model, starts one TorchServe
per backend on free loopback ports, sends ``--images`` JPEGs from ``--clients`` concurrent clients
(after a warm-up round) in ``--rounds`` rounds that visit the backends in turn, and prints requests per
second and the p50/p95 latency, and each backend's throughput against torch's. One worker per GPU, else one CPU
worker. ``--omp-num-threads 1`` runs the workers on one thread instead of the archive's ``threads``.

``--worst-batch`` measures the request budget instead: a full batch of the costliest requests the
default limits allow (an elongated image with the flip test, 1.97 network megapixels each, at once),
its wall time against ``responseTimeout`` and the worker's peak memory, and how fast requests over the
budget are refused. Without the official weights file the archive holds initialised weights: the network costs
the same, but such weights find many spurious people, which makes the grouping slower than with
trained weights.
"""
import argparse
import contextlib
import io
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil
import requests
from PIL import Image

from higherhrnet.handler.archive import build_archive
from higherhrnet.handler.server import local_torchserve

REPO_ROOT = Path(__file__).resolve().parents[1]


def synthetic_jpeg(height, width, seed):
    """A JPEG with smooth structure and noise (stands in for a photo; only the cost matters here)."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:height, 0:width]
    picture = np.stack([x * 255.0 / width, y * 255.0 / height, 128 + 100 * np.sin(x / 9.0 + y / 13.0)], 2)
    picture = np.clip(picture + rng.uniform(-20, 20, picture.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, 'JPEG', quality=90)
    return buffer.getvalue()


def send_all(url, bodies, clients):
    """Latency (s) of every request and the wall time of the whole run; any non-200 aborts."""
    def one(body):
        start = time.perf_counter()
        answer = requests.put(url, data=body, timeout=600)
        if answer.status_code != 200:
            raise RuntimeError(f'{answer.status_code}: {answer.text[:200]}')
        return time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = list(pool.map(one, bodies))
    return latencies, time.perf_counter() - start


def bench_batch_size(args, batch_size, bodies, workdir):
    """One TorchServe per backend (all up at once), the requests sent in ``args.rounds`` rounds that
    visit the backends in turn: a change in the machine's load touches every backend alike."""
    environment = {'OMP_NUM_THREADS': str(args.omp_num_threads)} if args.omp_num_threads else None
    latencies, walls = {}, {}
    with contextlib.ExitStack() as stack:
        urls = {}
        for backend in args.backends:
            store = workdir / f'store_b{batch_size}_{backend}'
            build_archive(args.config, args.weights, store, batch_size=batch_size,
                          max_batch_delay_ms=args.max_batch_delay_ms, handler_settings={'backend': backend})
            server = stack.enter_context(local_torchserve(store, workdir / f'run_b{batch_size}_{backend}',
                                                          environment=environment))
            urls[backend] = f'{server.inference}/predictions/{server.model_name}'
            send_all(urls[backend], bodies[:args.clients], args.clients)  # warm-up: first batches of each size
            latencies[backend], walls[backend] = [], 0.0
        per_round = max(1, len(bodies) // args.rounds)
        for start in range(0, len(bodies), per_round):
            for backend, url in urls.items():
                round_latencies, wall = send_all(url, bodies[start:start + per_round], args.clients)
                latencies[backend] += round_latencies
                walls[backend] += wall
    rows = []
    for backend in args.backends:
        latencies_ms = sorted(1000.0 * t for t in latencies[backend])
        rows.append({
            'backend': backend,
            'batch_size': batch_size,
            'requests_per_s': len(bodies) / walls[backend],
            'p50_ms': statistics.median(latencies_ms),
            'p95_ms': latencies_ms[min(len(latencies_ms) - 1, int(round(0.95 * len(latencies_ms))) - 1)],
        })
    return rows


def worker_peak_rss_gb(server):
    """Peak resident memory (VmHWM) of the largest TorchServe worker process, in GB."""
    peaks = []
    for process in server.processes()[1:]:
        status = Path(f'/proc/{process.pid}/status').read_text()
        peaks.append(int(next(line.split()[1] for line in status.splitlines()
                              if line.startswith('VmHWM'))) / 1e6)
    return max(peaks)


def bench_worst_batch(args, workdir):
    """A full batch of requests at the default cost limit, and the refusal time of costlier ones."""
    import base64
    import json

    from higherhrnet.handler.budget import image_megapixels
    store = workdir / 'store_worst'
    build_archive(args.config, args.weights, store, max_batch_delay_ms=args.max_batch_delay_ms)
    # 1024 x 274: network input 1920 x 512, twice with the flip test: 1.97 megapixels
    worst = synthetic_jpeg(274, 1024, seed=0)
    settings = {'input_size': 512, 'scale_factor': [1], 'flip_test': True, 'project2image': True}
    print(f'worst allowed request: 1024 x 274 JPEG with flip, {image_megapixels(1024, 274, settings):.2f} MP')
    image = base64.b64encode(synthetic_jpeg(480, 640, seed=1)).decode()
    costly = {
        '512 x 16 PNG': synthetic_png(16, 512),
        'README scales [0.5, 1, 2] with flip': json.dumps({'image': image, 'scale_factor': [0.5, 1, 2]}).encode(),
        'scale_factor [1, 2, 3, 4]': json.dumps({'image': image, 'scale_factor': [1, 2, 3, 4]}).encode(),
    }
    environment = {'OMP_NUM_THREADS': str(args.omp_num_threads)} if args.omp_num_threads else None
    with local_torchserve(store, workdir / 'run_worst', environment=environment) as server:
        url = f'{server.inference}/predictions/{server.model_name}'
        for name, body in costly.items():
            start = time.perf_counter()
            answer = requests.put(url, data=body, timeout=600)
            print(f'{name}: {answer.status_code} in {1000 * (time.perf_counter() - start):.0f} ms: '
                  f'{answer.json()["message"]}')
        send_all(url, [worst], 1)  # warm-up
        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda body: requests.put(url, data=body, timeout=600).status_code,
                                     [worst] * 8))
        print(f'8 worst allowed requests at once: {time.perf_counter() - start:.1f} s, statuses '
              f'{statuses} (503: not started, the batch would have overrun responseTimeout, 120 s); '
              f'worker peak RSS {worker_peak_rss_gb(server):.2f} GB', flush=True)


def synthetic_png(height, width):
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((height, width, 3), np.uint8)).save(buffer, 'PNG')
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', default=str(REPO_ROOT / 'registry/configs/higherhrnet_w32_coco_512.py'))
    parser.add_argument('--weights', default=str(REPO_ROOT / 'weights/pose_higher_hrnet_w32_512.pth'),
                        help='checkpoint, or "untrained" (the default when the file is missing)')
    parser.add_argument('--images', type=int, default=64, help='requests per batch size')
    parser.add_argument('--clients', type=int, default=8, help='concurrent clients')
    parser.add_argument('--batch-sizes', default='1,8')
    parser.add_argument('--max-batch-delay-ms', type=int, default=20)
    parser.add_argument('--omp-num-threads', type=int,
                        help="OMP_NUM_THREADS of the workers (default: unset, the archive's threads setting decides)")
    parser.add_argument('--worst-batch', action='store_true',
                        help='measure a full batch of the costliest allowed requests instead')
    parser.add_argument('--backends', default=','.join(available_backends()),
                        help='network backends to serve side by side (handler setting backend; default: torch and '
                             'every other one installed here that runs on the CPU)')
    parser.add_argument('--rounds', type=int, default=4, help='rounds the requests of each backend are sent in')
    parser.add_argument('--height', type=int, default=480)
    parser.add_argument('--width', type=int, default=640)
    args = parser.parse_args()
    if args.weights != 'untrained' and not Path(args.weights).is_file():
        print(f'{args.weights} is missing: benchmarking initialised weights (WEIGHTS=untrained)')
        args.weights = 'untrained'
    if args.worst_batch:
        with tempfile.TemporaryDirectory(prefix='higherhrnet-bench-serve-') as workdir:
            bench_worst_batch(args, Path(workdir))
        return
    args.backends = args.backends.split(',')
    bodies = [synthetic_jpeg(args.height, args.width, seed) for seed in range(args.images)]
    rows = []
    with tempfile.TemporaryDirectory(prefix='higherhrnet-bench-serve-') as workdir:
        for batch_size in (int(b) for b in args.batch_sizes.split(',')):
            for row in bench_batch_size(args, batch_size, bodies, Path(workdir)):
                rows.append(row)
                print(f'{row["backend"]:12} batch size {row["batch_size"]:>3}: {row["requests_per_s"]:7.2f} '
                      f'requests/s, p50 {row["p50_ms"]:8.1f} ms, p95 {row["p95_ms"]:8.1f} ms', flush=True)
    described = f'({args.images} {args.width}x{args.height} JPEGs, {args.clients} clients, {Path(args.config).stem})'
    by_key = {(row['backend'], row['batch_size']): row['requests_per_s'] for row in rows}
    sizes = sorted({row['batch_size'] for row in rows})
    for backend in args.backends:
        if len(sizes) > 1:
            print(f'{backend}: throughput batch size {sizes[-1]} / batch size {sizes[0]}: '
                  f'{by_key[backend, sizes[-1]] / by_key[backend, sizes[0]]:.2f}x {described}')
        if backend != 'torch' and 'torch' in args.backends:
            for size in sizes:
                print(f'{backend} / torch at batch size {size}: {by_key[backend, size] / by_key["torch", size]:.2f}x '
                      'requests/s')


def available_backends():
    """torch and every other backend whose package is installed and that runs on the CPU."""
    from higherhrnet.model_def.inference.backends import BACKENDS, BackendError, check_backend

    names = []
    for name in BACKENDS:
        try:
            check_backend(name, ['cpu'])
        except BackendError:
            continue
        names.append(name)
    return names


if __name__ == '__main__':
    main()
