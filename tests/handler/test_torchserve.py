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


def _v2_document(bodies, **fields):
    return {'inputs': [{'name': 'image', 'shape': [len(bodies)], 'datatype': 'BYTES',
                        'data': [b64(body) for body in bodies]}], **fields}


def test_kserve_v2_answers_each_image_as_the_raw_image_request(server):
    """The Open Inference Protocol on TorchServe's own v2 path and on /predictions: each data element
    is exactly the text a raw-image request of that image gets; options ride in parameters."""
    first, second = jpeg(seed=61), encode(synthetic_rgb(72, 100, seed=62), 'PNG')
    raw = [post(server, body).text for body in (first, second)]
    no_flip = requests.post(f'{server.inference}/predictions/{server.model_name}',
                            json={'image': b64(first), 'flip_test': False}, timeout=300).text
    document = _v2_document([first, second], id='req-42')
    for path in (f'v2/models/{server.model_name}/infer', f'predictions/{server.model_name}'):
        answer = requests.post(f'{server.inference}/{path}', json=document, timeout=300)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {'id': 'req-42', 'model_name': server.model_name, 'outputs': [
            {'name': 'people', 'datatype': 'BYTES', 'shape': [2], 'data': raw}]}
    answer = requests.post(f'{server.inference}/v2/models/{server.model_name}/infer', timeout=300,
                           json=_v2_document([first], parameters={'flip_test': False}))
    assert answer.json()['outputs'][0]['data'] == [no_flip] and no_flip != raw[0]


@pytest.mark.parametrize('document, message', [
    (_v2_document([b'x'], id='a') | {'inputs': [{'name': 'image', 'shape': [1], 'datatype': 'FP32', 'data': [1.0]}]},
     'datatype must be "BYTES"'),
    ({'inputs': [{'name': 'image', 'shape': [3], 'datatype': 'BYTES', 'data': ['eA==']}]}, 'does not match'),
    ({'id': 'a', 'parameters': {}}, 'needs "inputs"'),
    (_v2_document([b'x'], parameters={'flip': True}), 'unknown option'),
])
def test_bad_kserve_v2_bodies_get_400_with_one_line(server, document, message):
    answer = requests.post(f'{server.inference}/v2/models/{server.model_name}/infer', json=document, timeout=300)
    assert answer.status_code == 400
    assert answer.json()['code'] == 400 and message in answer.json()['message']
    assert '\n' not in answer.text.strip()


def test_grpc_answers_as_http(server):
    """TorchServe's gRPC inference API, called by a real gRPC client: the same bytes as over HTTP, for
    an image, a JSON body with options, a KServe v2 body and a bad request (whose one-line JSON error
    comes as the answer: TorchServe's gRPC has no status for it)."""
    from higherhrnet.handler.grpc_client import predict

    image = jpeg(seed=63)
    bodies = [image, json.dumps({'image': b64(image), 'flip_test': False}).encode(),
              json.dumps(_v2_document([image], id='g')).encode(), b'not an image']
    over_http = [requests.post(f'{server.inference}/predictions/{server.model_name}', data=body, timeout=300,
                               headers={'Content-Type': 'application/octet-stream'}).text for body in bodies]
    over_grpc = [predict(body, server.grpc_inference, server.model_name).decode() for body in bodies]
    assert over_grpc == over_http
    assert json.loads(over_grpc[-1])['code'] == 415


def test_the_grpc_client_command(server, tmp_path, capsys):
    from higherhrnet.handler.grpc_client import main

    image = tmp_path / 'image.jpg'
    image.write_bytes(jpeg(seed=64))
    main([str(image), '--address', server.grpc_inference])
    assert json.loads(capsys.readouterr().out) == json.loads(post(server, image.read_bytes()).text)
    image.write_bytes(b'not an image')
    with pytest.raises(SystemExit, match='^415: body is not an image'):
        main([str(image), '--address', server.grpc_inference])


def test_the_worker_is_still_alive_after_bad_inputs(server):
    assert post(server, b'not an image').status_code == 415
    workers = requests.get(f'{server.management}/models/{server.model_name}', timeout=10).json()[0]['workers']
    assert [w['status'] for w in workers] == ['READY']
    assert post(server, jpeg(seed=50)).status_code == 200
