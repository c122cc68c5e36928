"""Request bodies an operator found to knock a worker over (issue 9): too costly, JSON that is not an
object, nesting deeper than Python's parser, corrupt metadata. Built here, byte by byte where needed."""
import struct
import zlib

import numpy as np
from handler_testdata import b64, encode, jpeg, json_body, synthetic_rgb
from PIL import Image, PngImagePlugin

# The request budget of the handler tests' tiny model (input size 128): a 128 x 96 JPEG with flip
# costs 2 x 192 x 128 = 0.05 megapixels; the costly bodies below cost 0.34 or more.
TINY_MAX_REQUEST_MEGAPIXELS = 0.2


def elongated_png():
    """512 x 16 pixels: the network input would be 512 x 16384 (a few hundred bytes of PNG)."""
    return encode(np.zeros((16, 512, 3), np.uint8), 'PNG')


def json_scalar_bodies():
    """name -> application/json body that TorchServe parses to a non-object (or fails to parse)."""
    return {
        'JSON null': b'null',
        'JSON -1': b'-1',
        'JSON 1.5': b'1.5',
        'JSON 10^12': b'1000000000000',
        'JSON true': b'true',
        '100000-deep JSON array': b'[' * 100_000 + b']' * 100_000,
    }


def _ifd_entries(tiff):
    """tag -> offset of its 12-byte entry in the first IFD of little- or big-endian TIFF bytes."""
    order = '<' if tiff[:2] == b'II' else '>'
    ifd = struct.unpack(order + 'I', tiff[4:8])[0]
    count = struct.unpack(order + 'H', tiff[ifd:ifd + 2])[0]
    entries = {}
    for k in range(count):
        at = ifd + 2 + 12 * k
        entries[struct.unpack(order + 'H', tiff[at:at + 2])[0]] = at
    return order, entries


def corrupt_exif_jpeg():
    """A JPEG whose EXIF says "rotate" and holds the camera maker's text under the tag number of
    PageNumber (two SHORTs): Pillow reads it, but ``ImageOps.exif_transpose`` re-encodes the block
    and raises struct.error. Returns (jpeg bytes, the RGB pixels as stored)."""
    rgb = synthetic_rgb(48, 64, seed=7)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    exif[0x010F] = 'camera maker'
    data = bytearray(encode(rgb, 'JPEG', quality=95, exif=exif))
    start = data.index(b'Exif\x00\x00') + 6
    order, entries = _ifd_entries(bytes(data[start:]))
    at = start + entries[0x010F]
    data[at:at + 2] = struct.pack(order + 'H', 0x0129)
    return bytes(data), rgb


def corrupt_tag_tiff():
    """A TIFF whose StripOffsets tag is typed FLOAT: Pillow's decoder raises TypeError on load."""
    data = bytearray(encode(synthetic_rgb(32, 48, seed=8), 'TIFF'))
    order, entries = _ifd_entries(bytes(data))
    at = entries[273]
    data[at + 2:at + 4] = struct.pack(order + 'H', 11)
    return bytes(data)


def header_truncated_jpeg():
    """A JPEG cut at 3000 bytes, inside its header: a camera's (EXIF, ICC profile) can be longer."""
    return encode(synthetic_rgb(), 'JPEG', icc_profile=bytes(range(256)) * 32)[:3000]


def text_chunk_png():
    """A PNG with a compressed comment that unpacks to twice Pillow's text chunk limit."""
    metadata = PngImagePlugin.PngInfo()
    metadata.add_itxt('comment', 'x' * (2 * PngImagePlugin.MAX_TEXT_CHUNK), zip=True)
    return encode(synthetic_rgb(), 'PNG', pnginfo=metadata)


def png_header(width, height):
    """The signature and IHDR chunk of a ``width x height`` 8-bit grey PNG, then an empty IDAT: over
    Pillow's own pixel limit at 6000 x 30000, in 53 bytes."""
    def chunk(kind, payload):
        return (struct.pack('>I', len(payload)) + kind + payload
                + struct.pack('>I', zlib.crc32(kind + payload)))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0))
            + chunk(b'IDAT', b''))


def costly_json_bodies():
    """name -> JSON body over the tiny model's request budget (and the default one of w32_512), and
    words its 413 message has."""
    image = b64(jpeg(seed=9, height=240, width=320))  # costs as much as 640 x 480
    return {
        'scale_factor 0.01': (json_body({'image': image, 'scale_factor': 0.01}), 'megapixels'),
        'scales [1, 2, 3, 4]': (json_body({'image': image, 'scale_factor': [1, 2, 3, 4]}), 'megapixels'),
        'README scales with flip': (json_body({'image': image, 'scale_factor': [0.5, 1, 2]}), 'megapixels'),
        '40 KServe instances': (json_body({'instances': [{'data': b64(jpeg(seed=i, height=16, width=16))}
                                                         for i in range(40)]}), '40 images'),
    }



def hostile_requests():
    """name -> (body, Content-Type, expected status, regex its message matches; None for a 200):
    every input of issue 9 that used to fail its whole batch or run past the response timeout."""
    json_type = 'application/json'
    requests = {'512 x 16 PNG': (elongated_png(), 'image/png', 413, 'network megapixels')}
    for name, body in json_scalar_bodies().items():
        requests[name] = (body, json_type, 400, 'must be an object|nested too deeply')
    requests['corrupt EXIF JPEG'] = (corrupt_exif_jpeg()[0], 'image/jpeg', 200, None)
    requests['corrupt TIFF tag'] = (corrupt_tag_tiff(), 'image/tiff', 400, 'TIFF image is corrupt')
    requests['JPEG cut in its header'] = (header_truncated_jpeg(), 'image/jpeg', 400, 'truncated or corrupt')
    requests['PNG text chunk over the limit'] = (text_chunk_png(), 'image/png', 400, 'text chunk')
    requests['6000 x 30000 PNG'] = (png_header(6000, 30000), 'image/png', 413, '6000 x 30000 pixels')
    requests['scale_factor 0.001'] = (json_body({'image': b64(jpeg()), 'scale_factor': 0.001}),
                                      json_type, 400, 'too small')
    for name, (body, words) in costly_json_bodies().items():
        requests[name] = (body, json_type, 413, words)
    # what Netty leaves of a body sent with curl's default -d type (an image there fails in
    # TorchServe's frontend already, before the handler: README, "Requests")
    requests['form-urlencoded'] = (b'abc=def&x=1', 'application/x-www-form-urlencoded', 415, 'curl -T')
    return requests
