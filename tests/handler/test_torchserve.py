"""A real TorchServe serving an archive of a tiny model: batching, answers, errors, metrics, stop."""
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import torch
from handler_testdata import (MAX_IMAGE_PIXELS, b64, bad_requests, converted_requests, encode, jpeg,
                              synthetic_rgb)
from serving import running_torchserve, write_tiny_model

from higherhrnet.handler.higherhrnet_handler import BATCH_SIZE_HEADER
from higherhrnet.handler.image import decode_image
from higherhrnet.model_def import PoseEstimator
from higherhrnet.model_def.inference.serialize import people_to_json

# Larger than every concurrent burst below, with a delay long enough for a burst to arrive: each
# burst is one batch (the header says how large).
BATCH_SIZE = 16
MAX_BATCH_DELAY_MS = 1500


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp('tiny'))


@pytest.fixture(scope='module')
def server(tmp_path_factory, tiny_model):
    with running_torchserve(tmp_path_factory.mktemp('torchserve'), *tiny_model, batch_size=BATCH_SIZE,
                            max_batch_delay_ms=MAX_BATCH_DELAY_MS,
                            max_image_pixels=MAX_IMAGE_PIXELS) as endpoints:
        yield endpoints


@pytest.fixture(scope='module')
def reference(tiny_model):
    """The Python API on the same files, with the workers' single thread (same float sums)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    estimator = PoseEstimator.from_config(tiny_model[0], checkpoint=tiny_model[1])

    def predict_json(body):
        image = decode_image(body)
        document = people_to_json(estimator.predict(image), dataset_meta=estimator.dataset_meta,
                                  image_size=(image.shape[1], image.shape[0]),
                                  model_name=estimator.config_name)
        return json.loads(json.dumps(document))

    yield predict_json
    torch.set_num_threads(threads)


def post(server, body):
    return requests.put(f'{server.inference}/predictions/{server.model_name}', data=body, timeout=300)


def post_together(server, bodies):
    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(lambda body: post(server, body), bodies))


def test_ping(server):
    answer = requests.get(f'{server.inference}/ping', timeout=10)
    assert answer.status_code == 200 and answer.json()['status'] == 'Healthy'


def test_one_jpeg_gets_the_people_of_the_python_api(server, reference):
    body = jpeg(seed=10)
    answer = post(server, body)
    assert answer.status_code == 200
    assert answer.headers['content-type'] == 'application/json'
    document = answer.json()
    assert set(document) == {'people', 'keypoint_names', 'skeleton', 'image_size', 'model'}
    assert document['people'] and set(document['people'][0]) == {'keypoints', 'score', 'bbox'}
    assert len(document['people'][0]['keypoints']) == len(document['keypoint_names']) == 17
    assert document == reference(body)


def test_eight_concurrent_requests_are_one_batch_with_the_single_answers(server, reference):
    # two image sizes: the pipeline runs each size as one network batch
    bodies = [jpeg(seed=20 + i) for i in range(5)] + [
        encode(synthetic_rgb(72, 100, seed=30 + i), 'PNG') for i in range(3)]
    answers = post_together(server, bodies)
    assert [a.status_code for a in answers] == [200] * 8
    assert [a.headers[BATCH_SIZE_HEADER] for a in answers] == ['8'] * 8
    for body, answer in zip(bodies, answers):
        assert answer.json() == reference(body)
    metrics = requests.get(f'{server.metrics}/metrics', timeout=10).text
    for name in ('BatchSize', 'PeoplePerImage', 'DecodeMs', 'PredictMs', 'NetworkMs', 'GroupingMs'):
        assert f'HigherHRNet{name}{{' in metrics


def test_bad_inputs_get_4xx_while_the_good_request_of_their_batch_gets_200(server, reference):
    good = jpeg(seed=40)
    bad = bad_requests()
    converted = converted_requests()
    bodies = [good] + [body for body, _ in bad.values()] + list(converted.values())
    answers = post_together(server, bodies)
    assert {a.headers[BATCH_SIZE_HEADER] for a in answers} == {str(len(bodies))}
    assert answers[0].status_code == 200 and answers[0].json() == reference(good)
    for (name, (_, code)), answer in zip(bad.items(), answers[1:]):
        assert (name, answer.status_code) == (name, code)
        assert answer.json()['code'] == code and answer.json()['message']
    for name, answer in zip(converted, answers[1 + len(bad):]):
        assert (name, answer.status_code) == (name, 200)


def test_json_form_upload_and_kserve_requests(server, reference):
    body = jpeg(seed=60)
    url = f'{server.inference}/predictions/{server.model_name}'
    with ThreadPoolExecutor(3) as pool:
        as_json = pool.submit(requests.post, url, json={'image': b64(body)}, timeout=300)
        as_form = pool.submit(requests.post, url, files={'data': ('image.jpg', body)}, timeout=300)
        as_kserve = pool.submit(requests.post, url, json={'instances': [{'data': b64(body)}]}, timeout=300)
    expected = reference(body)
    assert as_json.result().status_code == 200 and as_json.result().json() == expected
    assert as_form.result().status_code == 200 and as_form.result().json() == expected
    assert as_kserve.result().status_code == 200
    assert as_kserve.result().json() == {'predictions': [expected]}


def test_the_worker_is_still_alive_after_bad_inputs(server):
    assert post(server, b'not an image').status_code == 415
    workers = requests.get(f'{server.management}/models/{server.model_name}', timeout=10).json()[0]['workers']
    assert [w['status'] for w in workers] == ['READY']
    assert post(server, jpeg(seed=50)).status_code == 200
