"""A real TorchServe against the inputs of issue 9: each bad request gets its own 4xx, the good
requests of the same batch their answers, and the worker (same pid) stays up."""
import itertools
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from fuzz_bodies import mutated_requests
from handler_testdata import MAX_IMAGE_PIXELS, b64, jpeg
from hostile_testdata import TINY_MAX_REQUEST_MEGAPIXELS, hostile_requests
from serving import running_torchserve, write_tiny_model
from test_handler_batch import expected_json

from higherhrnet.handler.higherhrnet_handler import BATCH_SIZE_HEADER
from higherhrnet.model_def import PoseEstimator

pytestmark = pytest.mark.usefixtures('one_torch_thread')  # the reference, like the worker

# Every burst below is one batch: larger than the largest burst, and a delay it arrives within.
BATCH_SIZE = 24
MAX_BATCH_DELAY_MS = 1500
FUZZ_SEED = 9
FUZZ_BODIES = 32


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp('tiny'))


@pytest.fixture(scope='module')
def server(tmp_path_factory, tiny_model):
    with running_torchserve(tmp_path_factory.mktemp('torchserve'), *tiny_model, batch_size=BATCH_SIZE,
                            max_batch_delay_ms=MAX_BATCH_DELAY_MS, max_image_pixels=MAX_IMAGE_PIXELS,
                            handler_settings={'max_request_megapixels': TINY_MAX_REQUEST_MEGAPIXELS}
                            ) as endpoints:
        yield endpoints


@pytest.fixture(scope='module')
def reference(tiny_model, one_torch_thread):
    return PoseEstimator.from_config(tiny_model[0], checkpoint=tiny_model[1])


def post_together(server, requests_):
    """Answers to ``(body, content type)`` pairs posted at once (one batch)."""
    url = f'{server.inference}/predictions/{server.model_name}'

    def post(request):
        body, content_type = request
        headers = {'Content-Type': content_type} if content_type else {}
        return requests.post(url, data=body, headers=headers, timeout=300)

    with ThreadPoolExecutor(len(requests_)) as pool:
        return list(pool.map(post, requests_))


def worker_pids(server):
    answer = requests.get(f'{server.management}/models/{server.model_name}', timeout=10)
    return [(worker['pid'], worker['status']) for worker in answer.json()[0]['workers']]


def test_each_input_of_issue_9_gets_its_4xx_and_its_batch_mates_200(server, reference):
    pids = worker_pids(server)
    good = jpeg(seed=70)
    hostile = hostile_requests()
    answers = post_together(server, [(good, 'image/jpeg')] + [
        (body, content_type) for body, content_type, _, _ in hostile.values()] + [(good, None)])
    assert {answer.headers[BATCH_SIZE_HEADER] for answer in answers} == {str(len(answers))}
    expected = expected_json(reference, good)
    assert [answers[0].status_code, answers[-1].status_code] == [200, 200]
    assert answers[0].json() == answers[-1].json() == expected
    for (name, (_, _, code, message)), answer in zip(hostile.items(), answers[1:]):
        assert (name, answer.status_code) == (name, code), answer.text[:300]
        document = answer.json()
        if code != 200:  # our one-line message, not TorchServe's
            assert set(document) == {'code', 'message'} and document['code'] == code
            assert re.search(message, document['message']) and '\n' not in document['message']
    assert worker_pids(server) == pids


def test_base64_in_lines_or_behind_a_data_url_is_accepted(server, reference):
    body = jpeg(seed=71)
    wrapped = '\n'.join(b64(body)[i:i + 76] for i in range(0, len(b64(body)), 76))
    as_lines, as_data_url = post_together(server, [
        (f'{{"image": "{wrapped}"}}'.replace('\n', '\\n').encode(), 'application/json'),
        (f'{{"instances": [{{"data": "data:image/jpeg;base64,{b64(body)}"}}]}}'.encode(), 'application/json')])
    assert as_lines.status_code == 200 and as_lines.json() == expected_json(reference, body)
    assert as_data_url.status_code == 200
    assert as_data_url.json() == {'predictions': [expected_json(reference, body)]}


def test_mutated_bodies_get_200_or_4xx_and_the_worker_stays_up(server):
    pids = worker_pids(server)
    bodies = list(itertools.islice(mutated_requests(FUZZ_SEED), FUZZ_BODIES))
    statuses = []
    for burst in (bodies[:FUZZ_BODIES // 2], bodies[FUZZ_BODIES // 2:]):
        statuses += [answer.status_code for answer in post_together(server, burst)]
    assert all(status == 200 or 400 <= status < 500 for status in statuses), statuses
    assert 200 in statuses and any(status != 200 for status in statuses)
    assert worker_pids(server) == pids
