"""Resident memory of TorchServe's Java frontend under bursts of large request bodies.

    .venv/bin/python bench/frontend_memory.py [--body-mb 60] [--concurrent 8] [--bursts 3] \
        [--vmargs "-Xmx1g"]

Starts a real TorchServe of the model (the untrained weights by default: the bodies are refused by
the handler, so the network hardly runs), then sends ``--bursts`` bursts of ``--concurrent`` bodies of
``--body-mb`` MB each at once (random bytes: the frontend reads, aggregates and forwards every byte
before the handler answers 415). Prints the frontend's resident memory before, its peak during
each burst, after each burst and after ``--idle-s`` seconds without requests, and the answers'
status codes. ``--vmargs`` replaces config.properties' JVM options (``--vmargs ''``: the JVM's
defaults, a heap of up to a quarter of the machine's memory).
"""
import argparse
import os
import re
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from higherhrnet.handler.archive import build_archive
from higherhrnet.handler.server import REPO_CONFIG, local_torchserve

REPO_ROOT = Path(__file__).resolve().parents[1]


class PeakMemory:
    """The highest resident size of ``process`` while the ``with`` block runs, sampled every 50 ms."""

    def __init__(self, process):
        self.process, self.peak, self.running = process, 0, False

    def __enter__(self):
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.05)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def with_vmargs(vmargs, folder):
    """A copy of config.properties with its vmargs line replaced by ``vmargs`` (removed when empty)."""
    text = re.sub(r'^vmargs=.*\n', '', REPO_CONFIG.read_text(), flags=re.MULTILINE)
    if vmargs:
        text = text.rstrip('\n') + f'\nvmargs={vmargs}\n'
    path = Path(folder) / 'config.properties'
    path.write_text(text)
    return path


def mb(size):
    return f'{size / 2**20:.0f} MiB'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', default=str(REPO_ROOT / 'registry/configs/higherhrnet_w32_coco_512.py'))
    parser.add_argument('--weights', default='untrained')
    parser.add_argument('--body-mb', type=float, default=60)
    parser.add_argument('--concurrent', type=int, default=8)
    parser.add_argument('--bursts', type=int, default=3)
    parser.add_argument('--idle-s', type=float, default=10)
    parser.add_argument('--vmargs', help="JVM options instead of config.properties' ('' = none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='higherhrnet-frontend-memory-') as folder:
        template = REPO_CONFIG if args.vmargs is None else with_vmargs(args.vmargs, folder)
        store = Path(folder) / 'store'
        build_archive(args.config, args.weights, store, device='cpu', workers=1)
        with local_torchserve(store, Path(folder) / 'run', environment={'OMP_NUM_THREADS': '1'},
                              template=template) as server:
            frontend = server.processes()[0]
            jvm = next((word for word in frontend.cmdline() if word.startswith('-Xmx')), 'JVM default heap')
            url = f'{server.inference}/predictions/{server.model_name}'
            body = os.urandom(int(args.body_mb * 2**20))
            print(f'frontend ({jvm}) at start: {mb(frontend.memory_info().rss)}', flush=True)
            statuses = Counter()
            for burst in range(args.bursts):
                with PeakMemory(frontend) as peak, ThreadPoolExecutor(args.concurrent) as pool:
                    answers = list(pool.map(lambda _: requests.put(url, data=body, timeout=600),
                                            range(args.concurrent)))
                statuses.update(answer.status_code for answer in answers)
                failed = [answer for answer in answers if answer.status_code >= 500]
                if failed:
                    print(f'  {failed[0].status_code}: {failed[0].text[:200]!r}')
                print(f'burst {burst + 1}: {args.concurrent} x {args.body_mb:g} MB, peak '
                      f'{mb(peak.peak)}, after {mb(frontend.memory_info().rss)}', flush=True)
            time.sleep(args.idle_s)
            print(f'after {args.idle_s:g} s idle: {mb(frontend.memory_info().rss)}; answers '
                  f'{dict(statuses)}; /ping {requests.get(server.inference + "/ping", timeout=30).status_code}')
            errors = [line for line in (server.run_dir / 'logs' / 'ts_log.log').read_text().splitlines()
                      if 'OutOfMemoryError' in line or 'died' in line.lower()]
            print(f'{len(errors)} error lines in ts_log.log' + (f', the first: {errors[0][:300]}' if errors else ''))


if __name__ == '__main__':
    main()
