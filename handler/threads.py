"""How many intra-op threads a worker's network uses.

PyTorch starts one thread per core in every process. With several workers, or beside TorchServe's
frontend, the request decoding and the clients on a small busy host, those threads wait on each
other at every operation's barrier: an operator measured 0.6-1 requests/s with PyTorch's default
on a loaded 2-core host against 13-15 with OMP_NUM_THREADS=1, same archive, same load. So each
worker gets its share of the cores instead; ``threads`` in the archive's settings overrides it.
On the project's shared 2-core machine (one worker, w32 untrained, 16 clients, ``bench/serve.py``)
that share, 2 threads, served 0.44 and 0.50 requests/s against 0.42 and 0.38 with OMP_NUM_THREADS=1
(two runs each, load average 2-5 from other users).
"""
import os

AUTO = 'auto'


def available_cores():
    """Cores this process may run on (a container's or taskset's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_threads(setting, workers, cores=None, environment=None):
    """Intra-op threads of one worker: ``setting`` when it is a number; for ``auto``, the
    OMP_NUM_THREADS of the environment when the operator set one, else the cores divided among
    ``workers`` (at least 1)."""
    if setting != AUTO:
        if isinstance(setting, bool) or not isinstance(setting, int) or setting < 1:
            raise ValueError(f'handler setting threads must be a positive integer or "{AUTO}", '
                             f'got {setting!r}')
        return setting
    environment = os.environ if environment is None else environment
    explicit = environment.get('OMP_NUM_THREADS', '')
    if explicit.isdigit() and int(explicit) > 0:
        return int(explicit)
    cores = available_cores() if cores is None else cores
    return max(1, cores // max(1, int(workers)))
