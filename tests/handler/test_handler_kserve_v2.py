"""handler.kserve_v2: KServe v2 (Open Inference Protocol) bodies in, images and options out; the answer."""
import pytest
from handler_testdata import b64, jpeg, json_body

from higherhrnet.handler import kserve_v2
from higherhrnet.handler.errors import BadRequest
from higherhrnet.handler.request import KSERVE_V2, parse_request

IMAGE = jpeg()


def v2_body(data, shape=None, **fields):
    tensor = {'name': 'image', 'shape': [len(data)] if shape is None else shape, 'datatype': 'BYTES',
              'data': data}
    return {'inputs': [tensor], **fields}


@pytest.mark.parametrize('parsed_by_torchserve', [True, False])
def test_images_id_and_options_for_every_image(parsed_by_torchserve):
    document = v2_body([b64(IMAGE), b64(IMAGE[:10])], id='req-7', parameters={'flip_test': False},
                       outputs=[{'name': 'people'}])
    request = parse_request({'body': document if parsed_by_torchserve else json_body(document)})
    assert request.protocol == KSERVE_V2 and request.request_id == 'req-7'
    assert request.images == [IMAGE, IMAGE[:10]]
    assert request.options == [{'flip_test': False}, {'flip_test': False}]


def test_id_and_parameters_may_be_left_out():
    request = parse_request({'body': v2_body([b64(IMAGE)])})
    assert request.request_id is None and request.options == [{}]


def test_the_answer_is_one_bytes_tensor_of_json_texts():
    assert kserve_v2.response('req-7', 'higherhrnet', ['{"people": []}', '{"people": [1]}']) == {
        'id': 'req-7', 'model_name': 'higherhrnet',
        'outputs': [{'name': 'people', 'datatype': 'BYTES', 'shape': [2],
                     'data': ['{"people": []}', '{"people": [1]}']}]}
    assert 'id' not in kserve_v2.response(None, 'higherhrnet', ['{}'])


def _tensor(**changes):
    tensor = {'name': 'image', 'shape': [1], 'datatype': 'BYTES', 'data': [b64(IMAGE)], **changes}
    return {'inputs': [{k: v for k, v in tensor.items() if v is not None}]}


@pytest.mark.parametrize('document, message', [
    (_tensor(datatype='FP32'), r'datatype must be "BYTES" .*got \'FP32\''),
    (_tensor(shape=[2]), r'shape \[2\] does not match its 1 data elements'),
    (_tensor(shape=[1, 1]), r'shape must be \[N\]'),
    (_tensor(shape=[True]), r'shape must be \[N\]'),
    (_tensor(shape=None), 'inputs\\[0\\] needs shape'),
    (_tensor(data=[]), 'non-empty list'),
    (_tensor(data=[[b64(IMAGE)]]), r'inputs\[0\].data\[0\] must be a non-empty base64 string'),
    (_tensor(data=['abc']), r'inputs\[0\].data\[0\] is not valid base64'),
    (_tensor(name='input-0'), 'name must be "image"'),
    (_tensor(parameters={'flip_test': False}), 'options go in the request\'s "parameters"'),
    ({'id': '1', 'parameters': {'flip_test': False}}, 'a KServe v2 request needs "inputs"'),
    ({'inputs': []}, 'a list of one tensor named "image"'),
    ({'inputs': [_tensor()['inputs'][0]] * 2}, 'a list of one tensor'),
    ({'inputs': None}, 'a list of one tensor'),
    ({**_tensor(), 'parameters': [1]}, '"parameters" must be an object'),
    ({**_tensor(), 'id': 7}, '"id" must be a string'),
    ({**_tensor(), 'outputs': [{'name': 'heatmaps'}]}, 'the only output is "people"'),
    ({**_tensor(), 'instances': []}, 'holds only id, inputs, parameters, outputs'),
])
def test_bodies_that_break_the_protocol_are_400(document, message):
    with pytest.raises(BadRequest, match=message) as error:
        parse_request({'body': document})
    assert error.value.error_code == 400
    assert '\n' not in error.value.message
