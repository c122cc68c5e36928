"""Seeded mutations of request bodies for the fuzz tests: images with broken bytes, JSON with values
of every wrong type. ``mutated_requests(seed)`` yields ``(body, content type)`` endlessly."""
import base64
import json
import random

import numpy as np
from handler_testdata import encode, synthetic_rgb
from hostile_testdata import corrupt_exif_jpeg
from PIL import Image, TiffImagePlugin

# Values a client could put anywhere in the JSON: wrong types, edges, sizes, nesting.
JSON_VALUES = [None, True, False, 0, -1, 1, 1.5, 2, 4, 4.0001, 1e-300, 1e308, 10 ** 30, 0.001, 0.5,
               '', 'true', 'x' * 300, [], {}, [[[[[]]]]], [1], [0.5, 1, 2], [1, 2, 3, 4, 5], [1, 'a'],
               {'data': 1}, float('nan'), float('inf')]
OPTION_NAMES = ['flip_test', 'scale_factor', 'detection_threshold', 'max_num_people',
                'filter_redundant_poses', 'data', 'image', 'instances', 'flip']
INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff]


def seed_images():
    """Small valid images of every accepted format, some with metadata that their readers parse."""
    rgb = synthetic_rgb(40, 56, seed=11)
    exif = Image.Exif()
    exif[0x0112] = 3
    tiff_tags = TiffImagePlugin.ImageFileDirectory_v2()
    tiff_tags[274] = 6  # orientation
    tiff_tags[305] = 'software'
    return [
        encode(rgb, 'JPEG', quality=85, exif=exif),
        encode(rgb, 'JPEG', quality=70, progressive=True),
        encode(rgb, 'PNG'),
        encode(np.dstack([rgb, rgb[:, :, :1]]), 'PNG'),
        encode(rgb[:, :, 0], 'PNG'),
        encode(rgb, 'TIFF', tiffinfo=tiff_tags),
        encode(rgb, 'TIFF', compression='tiff_deflate'),
        encode(rgb, 'BMP'),
        encode(rgb, 'WEBP', quality=80),
        corrupt_exif_jpeg()[0],
    ]


def mutate_bytes(rng, data):
    """A few random edits of ``data``: flipped, overwritten, inserted, deleted or repeated bytes."""
    data = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 8))):
        if not data:
            break
        at = rng.randrange(len(data))
        edit = rng.randrange(6)
        if edit == 0:
            data[at] ^= 1 << rng.randrange(8)
        elif edit == 1:
            data[at] = rng.choice(INTERESTING_BYTES)
        elif edit == 2:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
        elif edit == 3:
            del data[at:at + rng.randrange(1, 64)]
        elif edit == 4:
            data = data[:at]
        else:
            data[at:at] = data[at:at + rng.randrange(1, 256)]
    return bytes(data)


def _base64(rng, data):
    text = base64.b64encode(data).decode()
    style = rng.randrange(5)
    if style == 0:
        text = '\n'.join(text[i:i + 76] for i in range(0, len(text), 76))
    elif style == 1:
        text = 'data:image/jpeg;base64,' + text
    elif style == 2:
        text = text.replace('+', '-').replace('/', '_')
    return text


def _json_document(rng, image):
    options = {rng.choice(OPTION_NAMES): rng.choice(JSON_VALUES) for _ in range(rng.randrange(4))}
    if rng.random() < 0.5:
        return {'image': rng.choice([_base64(rng, image), rng.choice(JSON_VALUES)]), **options}
    instances = [{'data': _base64(rng, image), **options} for _ in range(rng.randrange(0, 4))]
    if rng.random() < 0.2:
        instances.append(rng.choice(JSON_VALUES))
    document = {'instances': instances}
    if rng.random() < 0.1:
        document['flip_test'] = False
    return document


def mutated_requests(seed):
    """``(body bytes, Content-Type)`` pairs: mutated images as raw bodies, and JSON bodies holding
    (possibly mutated) images and options of every wrong type, themselves sometimes mutated."""
    rng = random.Random(seed)
    images = seed_images()
    while True:
        image = rng.choice(images)
        if rng.random() < 0.8:
            image = mutate_bytes(rng, image)
        if rng.random() < 0.5:
            yield image, rng.choice(['image/jpeg', 'application/octet-stream', None])
            continue
        body = json.dumps(_json_document(rng, image)).encode()
        if rng.random() < 0.2:
            body = mutate_bytes(rng, body)
        yield body, 'application/json'
