"""A real TorchServe whose worker stalls in the middle of a batch (SIGSTOP, as a host whose cores
other processes take): the requests computed before and during the stall are answered 200, the rest
503 with Retry-After, and TorchServe never kills the worker for running past responseTimeout."""
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from handler_testdata import jpeg
from serving import running_torchserve, write_tiny_model

BATCH_SIZE = 8
RESPONSE_TIMEOUT_S = 10
# The worker is stopped this long, from STALL_AFTER_S after the batch reached it: with the batch's
# own work (~0.5 s a request, ~4 s in all on one thread) the batch would end past the timeout if it
# were one network call, as it was.
STALL_AFTER_S = 1.0
STALL_S = 7.0
# Large enough for a width-8 network to take ~0.5 s per request on one thread.
INPUT_SIZE = 384


def model_worker(server):
    """The worker process of the model (TorchServe's frontend starts it as a child)."""
    workers = [p for p in server.processes()[1:] if 'model_service_worker' in ' '.join(p.cmdline())]
    assert len(workers) == 1, workers
    return workers[0]


def test_a_worker_stalled_mid_batch_answers_what_it_computed_and_is_not_killed(tmp_path):
    tiny_model = write_tiny_model(tmp_path / 'tiny', input_size=INPUT_SIZE)
    with running_torchserve(tmp_path / 'serve', *tiny_model, batch_size=BATCH_SIZE,
                            max_batch_delay_ms=2000, response_timeout_s=RESPONSE_TIMEOUT_S) as server:
        worker = model_worker(server)
        url = f'{server.inference}/predictions/{server.model_name}'
        all_sent = threading.Barrier(BATCH_SIZE + 1)

        def post(seed):
            all_sent.wait()
            return requests.put(url, data=jpeg(seed=seed, height=480, width=640), timeout=120)

        with ThreadPoolExecutor(BATCH_SIZE) as pool:
            answers = [pool.submit(post, seed) for seed in range(BATCH_SIZE)]
            all_sent.wait()
            sent = time.monotonic()
            time.sleep(STALL_AFTER_S)
            worker.send_signal(signal.SIGSTOP)
            try:
                time.sleep(STALL_S)
            finally:
                worker.send_signal(signal.SIGCONT)
            answers = [answer.result() for answer in answers]
        answered_s = time.monotonic() - sent

        statuses = [answer.status_code for answer in answers]
        assert set(statuses) <= {200, 503}, [(a.status_code, a.text) for a in answers]
        assert statuses.count(200) >= 1, statuses
        for answer in answers:
            if answer.status_code == 503:
                assert answer.headers['Retry-After'] == '1'
                assert 'would not finish before the response timeout' in answer.json()['message']
            else:
                assert answer.json()['image_size'] == [640, 480]
        assert answered_s < RESPONSE_TIMEOUT_S + STALL_AFTER_S, answered_s
        assert model_worker(server).pid == worker.pid
