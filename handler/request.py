"""One TorchServe request (a dict of its parameters) -> the encoded images and options it carries.

Four forms are accepted:
  * the raw image file as the body (``curl -T image.jpg``) or as a form field named ``data``;
  * JSON ``{"image": "<base64>", "flip_test": false, ...}``: one image and its options;
  * KServe v1 JSON ``{"instances": [{"data": "<base64>", ...options}, ...]}``: one image per instance;
  * KServe v2 (Open Inference Protocol) JSON ``{"inputs": [{"name": "image", "datatype": "BYTES", ...}]}``:
    see ``kserve_v2``.
Base64 may be wrapped in lines (``base64`` without ``-w0``) and may carry a ``data:`` URL prefix.
"""
import base64
import binascii
import json
import re
from dataclasses import dataclass, field

from . import kserve_v2
from .errors import BadRequest

# curl --data-binary (and -d) sends this content type unless told otherwise; TorchServe then splits
# the body into form fields at '&' and '=' and URL-decodes them, which destroys an image.
FORM_URLENCODED = 'application/x-www-form-urlencoded'
FORM_HINT = ("send the image as the body with its own content type (curl -T image.jpg URL, or "
             "curl --data-binary @image.jpg -H 'Content-Type: image/jpeg' URL)")
# "data:image/jpeg;base64," in front of the base64 text (what a browser's FileReader gives).
DATA_URL_PREFIX = re.compile(r'data:[^,;]*(;[^,;]*)*;base64,', re.IGNORECASE)
NOT_BASE64 = re.compile(rb'[^A-Za-z0-9+/=]')


# The forms of an answer: one image's JSON, KServe v1's {"predictions": [...]}, KServe v2's outputs.
PLAIN, KSERVE_V1, KSERVE_V2 = 'plain', 'kserve-v1', 'kserve-v2'


@dataclass
class Request:
    """The encoded images of one request, one options dict per image, the form to answer in and
    (KServe v2) the request id to echo."""

    images: list
    options: list = field(default_factory=list)
    protocol: str = PLAIN
    request_id: str = None


def _payload(row):
    """The body of the request: TorchServe names it ``body`` (raw) or after its form field."""
    for name in ('body', 'data'):
        if name in row:
            return row[name]
    if len(row) == 1:
        return next(iter(row.values()))
    if not row:
        raise BadRequest('empty request body: send an image file or JSON with a base64 "image"')
    names = ', '.join(repr(str(name)[:20]) for name in list(row)[:3])
    raise BadRequest(f'expected one image, got {len(row)} form fields ({names}, ...); '
                     'name the image field "data"')


def _base64(text, where):
    if not isinstance(text, str) or not text:
        raise BadRequest(f'{where} must be a non-empty base64 string')
    prefix = DATA_URL_PREFIX.match(text)
    if prefix:
        text = text[prefix.end():]
    try:
        data = text.encode('ascii')
    except UnicodeEncodeError:
        raise BadRequest(f'{where} is not valid base64 (non-ASCII characters)') from None
    # Line breaks and spaces are layout (base64 wraps at 76 columns unless told -w0).
    data = re.sub(rb'\s+', b'', data)
    stray = NOT_BASE64.search(data)
    if stray:
        hint = ("; '-' and '_' are the URL-safe alphabet: use the standard one (+ and /)"
                if stray.group() in (b'-', b'_') else '')
        raise BadRequest(f'{where} is not valid base64: {stray.group().decode()!r} at position '
                         f'{stray.start()}{hint}')
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as error:
        raise BadRequest(f'{where} is not valid base64 ({error})') from None


def _from_json(document):
    if not isinstance(document, dict):
        raise BadRequest(f'JSON body must be an object with "image" (base64), KServe v1 "instances" or '
                         f'KServe v2 "inputs", got {type(document).__name__ if document is not None else "null"}')
    if kserve_v2.is_v2(document):
        texts, options, request_id = kserve_v2.parse(document)
        images = [_base64(text, f'inputs[0].data[{i}]') for i, text in enumerate(texts)]
        return Request(images, [options] * len(images), KSERVE_V2, request_id)
    if 'instances' in document:
        instances = document['instances']
        if set(document) != {'instances'}:
            raise BadRequest('a KServe request holds only "instances"; put options in each instance')
        if not isinstance(instances, list) or not instances:
            raise BadRequest('"instances" must be a non-empty list of {"data": "<base64>"} objects')
        images, options = [], []
        for i, instance in enumerate(instances):
            if not isinstance(instance, dict) or 'data' not in instance:
                raise BadRequest(f'instances[{i}] must be an object with "data" (base64 image)')
            images.append(_base64(instance['data'], f'instances[{i}].data'))
            options.append({k: v for k, v in instance.items() if k != 'data'})
        return Request(images, options, KSERVE_V1)
    if 'image' not in document:
        raise BadRequest('JSON body needs "image": the base64 encoded image file')
    options = {k: v for k, v in document.items() if k != 'image'}
    return Request([_base64(document['image'], '"image"')], [options])


def _parse_json(payload):
    try:
        return json.loads(payload)
    except RecursionError:
        raise BadRequest('body is JSON nested too deeply') from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f'body is not valid JSON ({error})') from None


def parse_request(row, content_type=None):
    """The images (encoded bytes) and per-image options of one request; ``BadRequest`` if malformed.

    ``content_type``: the request's Content-Type header, when known.
    """
    if content_type and content_type.split(';')[0].strip().lower() == FORM_URLENCODED:
        raise BadRequest(f'the body came as {FORM_URLENCODED} form fields (curl\'s default for '
                         f'-d and --data-binary), which garbles an image: {FORM_HINT}', 415)
    payload = _payload(row)
    # TorchServe has already parsed an application/json body (any JSON value: null, 1.5, ...);
    # anything else arrives as bytes, or as text for text/* content types.
    if payload is None or isinstance(payload, (dict, list, bool, int, float)):
        return _from_json(payload)
    if isinstance(payload, str):
        payload = payload.encode('utf-8')
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise BadRequest(f'unexpected request body of type {type(payload).__name__}')
    payload = bytes(payload)
    if not payload.strip():
        raise BadRequest('empty request body: send an image file or JSON with a base64 "image"')
    # No image format starts with '{' or '[': such a body is JSON (sent without its content type, or
    # JSON that TorchServe failed to parse, e.g. nested too deeply).
    if payload.lstrip()[:1] in (b'{', b'['):
        return _from_json(_parse_json(payload))
    return Request([payload], [{}])
