"""KServe v2, the Open Inference Protocol (what Triton-style clients speak), as JSON: the request's
images and options, and the answer in the protocol's form.

    {"id": "42", "inputs": [{"name": "image", "shape": [2], "datatype": "BYTES",
                             "data": ["<base64>", "<base64>"]}],
     "parameters": {"flip_test": false}}
    -> {"id": "42", "model_name": "higherhrnet",
        "outputs": [{"name": "people", "datatype": "BYTES", "shape": [2],
                     "data": ["<the JSON answer of image 0>", "<of image 1>"]}]}

Each image is a BYTES element holding its file in base64 (JSON cannot carry raw bytes); each answer
a BYTES element holding the very JSON text a request of that image alone gets. The options, for
every image of the request, ride in the request's ``parameters``.
"""
from .errors import BadRequest
from .options import _shown

INPUT_NAME = 'image'
OUTPUT_NAME = 'people'
DATATYPE = 'BYTES'
REQUEST_KEYS = ('id', 'inputs', 'parameters', 'outputs')
INPUT_KEYS = ('name', 'shape', 'datatype', 'data')
EXAMPLE = '{"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": ["<base64>"]}]}'


def is_v2(document):
    """Whether a JSON body is meant as a v2 inference request (it has a key only v2 has)."""
    return isinstance(document, dict) and any(key in document for key in ('inputs', 'outputs', 'parameters'))


def _input(inputs):
    if not isinstance(inputs, list) or len(inputs) != 1 or not isinstance(inputs[0], dict):
        raise BadRequest(f'"inputs" must be a list of one tensor named "{INPUT_NAME}", e.g. {EXAMPLE}')
    tensor = inputs[0]
    unknown = sorted(str(key) for key in set(tensor) - set(INPUT_KEYS))
    if unknown:
        raise BadRequest(f'inputs[0] takes only {", ".join(INPUT_KEYS)}, got {", ".join(unknown)} '
                         '(options go in the request\'s "parameters")')
    missing = [key for key in INPUT_KEYS if key not in tensor]
    if missing:
        raise BadRequest(f'inputs[0] needs {", ".join(missing)}, e.g. {EXAMPLE}')
    if tensor['name'] != INPUT_NAME:
        raise BadRequest(f'inputs[0].name must be "{INPUT_NAME}", got {_shown(tensor["name"])}')
    if tensor['datatype'] != DATATYPE:
        raise BadRequest(f'inputs[0].datatype must be "{DATATYPE}" (base64 image files), '
                         f'got {_shown(tensor["datatype"])}')
    shape, data = tensor['shape'], tensor['data']
    if not isinstance(data, list) or not data:
        raise BadRequest('inputs[0].data must be a non-empty list of base64 image files')
    if (not isinstance(shape, list) or len(shape) != 1 or isinstance(shape[0], bool)
            or not isinstance(shape[0], int)):
        raise BadRequest(f'inputs[0].shape must be [N], the number of images, got {_shown(shape)}')
    if shape[0] != len(data):
        raise BadRequest(f'inputs[0].shape {shape} does not match its {len(data)} data elements')
    return data


def parse(document):
    """(base64 texts of the images, the options for each of them, the request id or None) of a v2
    request; ``BadRequest`` for a body that breaks the protocol or asks what we cannot answer."""
    unknown = sorted(str(key) for key in set(document) - set(REQUEST_KEYS))
    if unknown:
        raise BadRequest(f'a KServe v2 request holds only {", ".join(REQUEST_KEYS)}, got {", ".join(unknown)}')
    request_id = document.get('id')
    if request_id is not None and not isinstance(request_id, str):
        raise BadRequest(f'"id" must be a string, got {_shown(request_id)}')
    options = document.get('parameters', {})
    if not isinstance(options, dict):
        raise BadRequest(f'"parameters" must be an object of options, got {_shown(options)}')
    outputs = document.get('outputs', [])
    if not isinstance(outputs, list) or any(not isinstance(o, dict) or o.get('name') != OUTPUT_NAME
                                            for o in outputs):
        raise BadRequest(f'the only output is "{OUTPUT_NAME}"; "outputs" may ask for nothing else')
    if 'inputs' not in document:
        raise BadRequest(f'a KServe v2 request needs "inputs", e.g. {EXAMPLE}')
    return _input(document['inputs']), options, request_id


def response(request_id, model_name, answers):
    """The v2 answer: ``answers`` (one JSON text per image, in the request's order) as one BYTES tensor."""
    body = {'model_name': model_name,
            'outputs': [{'name': OUTPUT_NAME, 'datatype': DATATYPE, 'shape': [len(answers)], 'data': answers}]}
    return body if request_id is None else {'id': request_id, **body}
