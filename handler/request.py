"""One TorchServe request (a dict of its parameters) -> the encoded images and options it carries.

Three forms are accepted:
  * the raw image file as the body (``curl -T image.jpg``) or as a form field named ``data``;
  * JSON ``{"image": "<base64>", "flip_test": false, ...}``: one image and its options;
  * KServe v1 JSON ``{"instances": [{"data": "<base64>", ...options}, ...]}``: one image per instance.
"""
import base64
import binascii
import json
from dataclasses import dataclass, field

from .errors import BadRequest


@dataclass
class Request:
    """The encoded images of one request, one options dict per image, and its form."""

    images: list
    options: list = field(default_factory=list)
    kserve: bool = False


def _payload(row):
    """The body of the request: TorchServe names it ``body`` (raw) or after its form field."""
    for name in ('body', 'data'):
        if row.get(name) is not None:
            return row[name]
    if len(row) == 1:
        return next(iter(row.values()))
    if not row:
        raise BadRequest('empty request body: send an image file or JSON with a base64 "image"')
    raise BadRequest(f'expected one image, got form fields {sorted(row)}; name the image field "data"')


def _base64(text, where):
    if not isinstance(text, str) or not text:
        raise BadRequest(f'{where} must be a non-empty base64 string')
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f'{where} is not valid base64') from None


def _from_json(document):
    if not isinstance(document, dict):
        raise BadRequest('JSON body must be an object with "image" (base64) or KServe "instances"')
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
        return Request(images, options, kserve=True)
    if 'image' not in document:
        raise BadRequest('JSON body needs "image": the base64 encoded image file')
    options = {k: v for k, v in document.items() if k != 'image'}
    return Request([_base64(document['image'], '"image"')], [options])


def parse_request(row):
    """The images (encoded bytes) and per-image options of one request; ``BadRequest`` if malformed."""
    payload = _payload(row)
    # TorchServe has already parsed an application/json body; anything else arrives as bytes or text.
    if isinstance(payload, (dict, list)):
        return _from_json(payload)
    if isinstance(payload, str):
        payload = payload.encode('utf-8')
    payload = bytes(payload)
    if not payload.strip():
        raise BadRequest('empty request body: send an image file or JSON with a base64 "image"')
    # No image format starts with '{' or '[': such a body is JSON (sent without its content type, or
    # JSON that TorchServe failed to parse).
    if payload.lstrip()[:1] in (b'{', b'['):
        try:
            document = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BadRequest(f'body is not valid JSON ({error})') from None
        return _from_json(document)
    return Request([payload], [{}])
