"""handler.request and handler.options: the request forms, options, malformed requests (KServe v2's own
rules: test_handler_kserve_v2.py)."""
import json
import textwrap

import pytest
from handler_testdata import b64, jpeg, json_body
from hostile_testdata import json_scalar_bodies

from higherhrnet.handler.errors import BadRequest
from higherhrnet.handler.options import parse_options
from higherhrnet.handler.request import KSERVE_V1, PLAIN, parse_request

IMAGE = jpeg()


def test_raw_body_is_one_image_without_options():
    request = parse_request({'body': bytearray(IMAGE)})
    assert request.images == [IMAGE] and request.options == [{}] and request.protocol == PLAIN


def test_form_field_data_is_the_image():
    assert parse_request({'data': IMAGE}).images == [IMAGE]


@pytest.mark.parametrize('parsed_by_torchserve', [True, False])
def test_json_with_base64_image_and_options(parsed_by_torchserve):
    document = {'image': b64(IMAGE), 'flip_test': False, 'max_num_people': 5}
    body = document if parsed_by_torchserve else json_body(document)
    request = parse_request({'body': body})
    assert request.images == [IMAGE]
    assert request.options == [{'flip_test': False, 'max_num_people': 5}]


def test_kserve_v1_instances():
    document = {'instances': [{'data': b64(IMAGE)}, {'data': b64(IMAGE[:10]), 'flip_test': False}]}
    request = parse_request({'body': document})
    assert request.protocol == KSERVE_V1 and request.images == [IMAGE, IMAGE[:10]]
    assert request.options == [{}, {'flip_test': False}]


def test_base64_wrapped_in_lines_or_behind_a_data_url_is_accepted():
    wrapped = '\n'.join(textwrap.wrap(b64(IMAGE), 76)) + '\n'  # base64 without -w0
    assert parse_request({'body': {'image': wrapped}}).images == [IMAGE]
    data_url = 'data:image/jpeg;base64,' + b64(IMAGE)
    assert parse_request({'body': {'instances': [{'data': data_url}]}}).images == [IMAGE]


@pytest.mark.parametrize('name', list(json_scalar_bodies()))
def test_json_bodies_that_are_no_object_are_400(name):
    body = json_scalar_bodies()[name]
    # what TorchServe hands over for an application/json body: the parsed value, or the bytes when
    # its parser fails (RecursionError on deep nesting)
    try:
        value = json.loads(body)
    except RecursionError:
        value = body
    with pytest.raises(BadRequest, match='nested too deeply|must be an object') as error:
        parse_request({'body': value})
    assert error.value.error_code == 400


def test_form_urlencoded_bodies_get_a_hint():
    # curl --data-binary @image.jpg without -H: TorchServe splits the body into form fields
    with pytest.raises(BadRequest, match='curl -T image.jpg') as error:
        parse_request({'\xffJFIF': b'', 'x': b'1'}, 'application/x-www-form-urlencoded')
    assert error.value.error_code == 415


@pytest.mark.parametrize('row, message', [
    ({'body': {'image': b64(IMAGE).replace('+', '-').replace('/', '_') + '-_'}}, 'URL-safe'),
    ({'body': {'image': 'abc'}}, 'not valid base64'),
    ({'body': {'image': 'abcé'}}, 'non-ASCII'),
    ({'body': object()}, 'unexpected request body'),
    ({}, 'empty request body'),
    ({'body': b''}, 'empty request body'),
    ({'body': b'  \n'}, 'empty request body'),
    ({'a': b'1', 'b': b'2'}, 'expected one image'),
    ({'body': b'{"image": '}, 'not valid JSON'),
    ({'body': b'[1, 2]'}, 'must be an object'),
    ({'body': {'picture': 'abc'}}, 'needs "image"'),
    ({'body': {'image': 'a!b'}}, 'not valid base64'),
    ({'body': {'image': 42}}, 'non-empty base64 string'),
    ({'body': {'instances': []}}, 'non-empty list'),
    ({'body': {'instances': [{'b64': 'abc'}]}}, r'instances\[0\] must be an object with "data"'),
    ({'body': {'instances': [{'data': 'abc'}], 'flip_test': False}}, 'only "instances"'),
])
def test_malformed_requests_are_400(row, message):
    with pytest.raises(BadRequest, match=message) as error:
        parse_request(row)
    assert error.value.error_code == 400


def test_options_are_checked_and_made_hashable():
    options = parse_options({'flip_test': False, 'scale_factor': [0.5, 1], 'detection_threshold': 0.2,
                             'max_num_people': 3, 'filter_redundant_poses': True})
    assert options == {'flip_test': False, 'scale_factor': (0.5, 1.0), 'detection_threshold': 0.2,
                       'max_num_people': 3, 'filter_redundant_poses': True}
    assert parse_options({'scale_factor': 1})['scale_factor'] == (1.0,)
    assert parse_options({}) == {}


@pytest.mark.parametrize('options, message', [
    ({'flip': True}, 'unknown option'),
    ({'flip_test': 'no'}, 'true or false'),
    ({'filter_redundant_poses': 1}, 'true or false'),
    ({'detection_threshold': 1.5}, r'\[0, 1\]'),
    ({'detection_threshold': True}, 'finite number'),
    ({'detection_threshold': float('nan')}, 'finite number'),
    ({'max_num_people': 0}, 'integer'),
    ({'max_num_people': 2.0}, 'integer'),
    ({'scale_factor': []}, '1 to 4 scales'),
    ({'scale_factor': [1, -1]}, r'every scale must lie in \(0, 4.0\]'),
    ({'scale_factor': ['1']}, 'finite number'),
    ({'scale_factor': [0.5, 2]}, 'must include 1'),
    ({'scale_factor': [[[[1]]]]}, 'finite number'),
    ({'detection_threshold': 'x' * 10_000}, r"got 'x{30,40}\.\.\.( |$)"),
])
def test_bad_options_are_400(options, message):
    with pytest.raises(BadRequest, match=message) as error:
        parse_options(options)
    assert error.value.error_code == 400
