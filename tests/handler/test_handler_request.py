"""handler.request and handler.options: the three request forms, options, malformed requests."""
import pytest
from handler_testdata import b64, jpeg, json_body

from higherhrnet.handler.errors import BadRequest
from higherhrnet.handler.options import parse_options
from higherhrnet.handler.request import parse_request

IMAGE = jpeg()


def test_raw_body_is_one_image_without_options():
    request = parse_request({'body': bytearray(IMAGE)})
    assert request.images == [IMAGE] and request.options == [{}] and not request.kserve


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
    assert request.kserve and request.images == [IMAGE, IMAGE[:10]]
    assert request.options == [{}, {'flip_test': False}]


@pytest.mark.parametrize('row, message', [
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
])
def test_bad_options_are_400(options, message):
    with pytest.raises(BadRequest, match=message) as error:
        parse_options(options)
    assert error.value.error_code == 400
