"""The handler class with a real PoseEstimator (tiny width-8 model) and TorchServe's own Context."""
import json
import os
import re
import urllib.parse

import numpy as np
import pytest
import ts
from handler_testdata import (MAX_IMAGE_PIXELS, b64, bad_requests, converted_requests, encode, jpeg,
                              json_body, synthetic_rgb)
from hostile_testdata import TINY_MAX_REQUEST_MEGAPIXELS, corrupt_exif_jpeg, hostile_requests
from serving import write_tiny_model
from ts.context import Context, RequestProcessor
from ts.metrics.metric_cache_yaml_impl import MetricsCacheYamlImpl

from higherhrnet.handler.higherhrnet_handler import BATCH_SIZE_HEADER, HigherHRNetHandler
from higherhrnet.handler.image import decode_image
from higherhrnet.model_def import PoseEstimator
from higherhrnet.model_def.inference.serialize import people_to_json

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp('tiny'))


def make_context(model_dir, settings):
    metrics = MetricsCacheYamlImpl(os.path.join(os.path.dirname(ts.__file__), 'configs', 'metrics.yaml'))
    metrics.initialize_cache()
    return Context('higherhrnet', str(model_dir), None, 8, None, ts.__version__, True, metrics,
                   {'handler': settings})


def start_batch(context, size, headers=None):
    """What TorchServe's Service.predict does before calling the handler."""
    headers = headers or [{} for _ in range(size)]
    context.request_processor = [RequestProcessor(header) for header in headers]
    context.request_ids = {i: f'request-{i}' for i in range(size)}
    context.metrics.set_request_ids(context.request_ids)


def initialized_handler(tiny_model, **settings):
    """(handler, context) as TorchServe makes them from an archive of ``tiny_model``."""
    config, checkpoint = tiny_model
    # The archive holds paths relative to the model folder; the config's folder stands in for it.
    # threads: 1, as the test workers (OMP_NUM_THREADS=1); 'auto' would set this process to all cores
    context = make_context(config.parent, {'config': config.name, 'weights': checkpoint.name,
                                           'threads': 1, **settings})
    handler = HigherHRNetHandler()
    handler.initialize(context)
    return handler, context


@pytest.fixture(scope='module')
def served(tiny_model):
    """(handler, context, reference estimator built independently from the same files)."""
    handler, context = initialized_handler(tiny_model, max_image_pixels=MAX_IMAGE_PIXELS,
                                           max_request_megapixels=TINY_MAX_REQUEST_MEGAPIXELS)
    return handler, context, PoseEstimator.from_config(tiny_model[0], checkpoint=tiny_model[1])


def torchserve_row(body, content_type):
    """The request parameters TorchServe's frontend and worker make of a body of ``content_type``."""
    if content_type == 'application/x-www-form-urlencoded':
        return dict(urllib.parse.parse_qsl(body.decode('latin-1'), keep_blank_values=True))
    if content_type == 'application/json':
        try:
            return {'body': json.loads(body)}
        except (RecursionError, ValueError):  # TorchServe forwards what it cannot parse as bytes
            pass
    return {'body': body}


def run(handler, context, bodies, content_types=None):
    content_types = content_types or [None] * len(bodies)
    start_batch(context, len(bodies), [{'Content-Type': t} if t else {} for t in content_types])
    responses = handler.handle([torchserve_row(body, t) for body, t in zip(bodies, content_types)],
                               context)
    assert len(responses) == len(bodies)
    return [(context.get_response_status(i)[0], json.loads(response), context.get_response_headers(i))
            for i, response in enumerate(responses)]


def expected_json(estimator, body, **overrides):
    image = decode_image(body)
    result = estimator.predict(image, **overrides)
    document = people_to_json(result, dataset_meta=estimator.dataset_meta,
                              image_size=(image.shape[1], image.shape[0]),
                              model_name=estimator.config_name)
    return json.loads(json.dumps(document))


def test_initialize_builds_the_archived_model_on_the_cpu(served, tiny_model):
    handler, _, _ = served
    assert handler.initialized
    assert handler.estimator.config_name == tiny_model[0].stem
    assert all(p.device.type == 'cpu' for p in handler.estimator.model.parameters())


def test_every_bad_input_gets_its_4xx_and_the_rest_of_the_batch_its_answer(served):
    handler, context, reference = served
    good = jpeg(seed=1)
    bad = bad_requests()
    converted = converted_requests()
    bodies = [good] + [body for body, _ in bad.values()] + list(converted.values())
    answers = run(handler, context, bodies)

    for _, _, headers in answers:
        assert headers[BATCH_SIZE_HEADER] == str(len(bodies))
    status, document, _ = answers[0]
    assert status == 200
    assert document == expected_json(reference, good)
    assert document['people'], 'the tiny model with detweights should find people in the picture'
    for (name, (_, code)), (status, document, _) in zip(bad.items(), answers[1:]):
        assert (name, status) == (name, code)
        assert set(document) == {'code', 'message'} and document['code'] == code
    for name, (status, document, _) in zip(converted, answers[1 + len(bad):]):
        assert (name, status) == (name, 200)
        assert document['image_size'] == [128, 96]


def test_requests_with_different_options_in_one_batch(served):
    handler, context, reference = served
    image = jpeg(seed=2)
    options = {'flip_test': False, 'max_num_people': 2, 'detection_threshold': 0.05}
    answers = run(handler, context, [image, json_body({'image': b64(image), **options})])
    assert [status for status, _, _ in answers] == [200, 200]
    assert answers[0][1] == expected_json(reference, image)
    assert answers[1][1] == expected_json(reference, image, **options)
    # max_num_people caps the candidates per joint, not the people (joints left unmatched start people
    # of their own), so the count is not bounded by 2; the options must change the answer, though.
    assert answers[1][1] != answers[0][1]


def test_kserve_v1_request_gets_predictions_in_instance_order(served):
    handler, context, reference = served
    first, second = jpeg(seed=3), encode(synthetic_rgb(80, 64, seed=4), 'PNG')
    document = {'instances': [{'data': b64(first)}, {'data': b64(second), 'flip_test': False}]}
    [(status, answer, _)] = run(handler, context, [json_body(document)])
    assert status == 200
    assert answer == {'predictions': [expected_json(reference, first),
                                      expected_json(reference, second, flip_test=False)]}


def test_kserve_v2_request_gets_its_outputs_each_the_answer_of_the_image_alone(served):
    handler, context, reference = served
    first, second = jpeg(seed=3), encode(synthetic_rgb(80, 64, seed=4), 'PNG')
    document = {'id': 'req-1', 'parameters': {'flip_test': False},
                'inputs': [{'name': 'image', 'shape': [2], 'datatype': 'BYTES', 'data': [b64(first), b64(second)]}]}
    bad_option = {**document, 'parameters': {'flip': False}}
    [(status, answer, _), (bad_status, bad_answer, _)] = run(handler, context, [json_body(document),
                                                                             json_body(bad_option)])
    assert status == 200 and set(answer) == {'id', 'model_name', 'outputs'}
    assert (answer['id'], answer['model_name']) == ('req-1', 'higherhrnet')
    [output] = answer['outputs']
    assert (output['name'], output['datatype'], output['shape']) == ('people', 'BYTES', [2])
    assert [json.loads(text) for text in output['data']] == [expected_json(reference, first, flip_test=False),
                                                            expected_json(reference, second, flip_test=False)]
    assert bad_status == 400 and 'unknown option' in bad_answer['message']


def test_what_the_pipeline_refuses_fails_only_its_own_request(served):
    handler, context, reference = served
    good = jpeg(seed=5)
    strip = encode(np.zeros((16, 1000, 3), np.uint8), 'PNG')  # too elongated for the network
    no_unit_scale = json_body({'image': b64(good), 'scale_factor': [0.5, 2]})
    answers = run(handler, context, [good, strip, no_unit_scale])
    assert [status for status, _, _ in answers] == [200, 400, 400]
    assert answers[0][1] == expected_json(reference, good)
    assert 'elongated' in answers[1][1]['message']
    assert 'scale_factor' in answers[2][1]['message']


def test_untrained_archive_says_so(tiny_model):
    handler, context = initialized_handler(tiny_model, untrained=True)
    [(status, answer, _)] = run(handler, context, [jpeg(seed=6)])
    assert status == 200 and answer['untrained'] is True


def test_the_inputs_that_used_to_fail_their_batch_fail_alone(served):
    handler, context, reference = served
    good = jpeg(seed=7)
    hostile = hostile_requests()
    answers = run(handler, context, [good] + [body for body, _, _, _ in hostile.values()] + [good],
                  [None] + [content_type for _, content_type, _, _ in hostile.values()] + [None])
    assert answers[0][:2] == answers[-1][:2] == (200, expected_json(reference, good))
    for (name, (_, _, code, message)), (status, document, _) in zip(hostile.items(), answers[1:]):
        assert (name, status) == (name, code)
        if message:
            assert document['code'] == code and re.search(message, document['message']), document
    # corrupt EXIF: the image as stored, 64 x 48, not turned
    exif_answer = answers[1 + list(hostile).index('corrupt EXIF JPEG')][1]
    assert exif_answer['image_size'] == [64, 48]
    assert exif_answer == expected_json(reference, corrupt_exif_jpeg()[0])


def test_an_error_inside_the_pipeline_is_a_500_for_its_request_only(served, monkeypatch):
    """Fault injection: no known input makes the pipeline raise any more, so one image (marked by
    its size) makes the real ``predict`` raise as a bug would; its batch-mates share its network
    batch and options, and must still get their answers."""
    handler, context, reference = served
    real_predict = handler.estimator.predict
    marked_shape = (96, 112, 3)

    def predict(images, **overrides):
        if any(image.shape == marked_shape for image in images):
            raise RuntimeError('injected failure\nsecond line')
        return real_predict(images, **overrides)

    monkeypatch.setattr(handler.estimator, 'predict', predict)
    good, culprit = jpeg(seed=8), jpeg(seed=9, height=96, width=112)
    answers = run(handler, context, [good, culprit, good])
    assert [status for status, _, _ in answers] == [200, 500, 200]
    assert answers[0][1] == answers[2][1] == expected_json(reference, good)
    assert answers[1][1] == {'code': 500, 'message': 'internal error while predicting this request '
                             '(RuntimeError: injected failure); the traceback is in the model log'}


def test_requests_that_would_overrun_the_response_timeout_get_503_the_first_runs(served, monkeypatch):
    """A machine far slower than its warm-up said: the first request of the batch still runs, the
    others are not started (503, retry) instead of letting TorchServe kill the worker."""
    handler, context, reference = served
    monkeypatch.setattr(handler.clock, 'seconds_per_megapixel', 1e6)
    good = jpeg(seed=10)
    answers = run(handler, context, [good, good, json_body({'image': b64(good), 'flip_test': False})])
    assert [status for status, _, _ in answers] == [200, 503, 503]
    assert answers[0][1] == expected_json(reference, good)
    assert 'would not finish before the response timeout' in answers[1][1]['message']
    assert answers[1][2]['Retry-After'] == '1'
