"""Fuzzing the per-request code: thousands of mutated JPEG/PNG/TIFF/... and JSON bodies (seeded),
read by the handler as TorchServe hands them over. Each one is accepted or refused with a
one-line 4xx; nothing else may come out of it. The real server gets its share in
test_torchserve_bad_requests.py."""
import itertools
import time

import pytest
from fuzz_bodies import mutated_requests
from handler_testdata import MAX_IMAGE_PIXELS
from hostile_testdata import TINY_MAX_REQUEST_MEGAPIXELS
from test_handler_batch import initialized_handler, run, torchserve_row

from higherhrnet.handler.errors import BadRequest

pytestmark = pytest.mark.usefixtures('one_torch_thread')

SEED = 2026
BODIES = 5000
# Stops earlier on a slow machine: the test bounds its time, not its count.
SECONDS = 15.0


@pytest.fixture(scope='module')
def handler_and_context(tmp_path_factory):
    from serving import write_tiny_model
    return initialized_handler(write_tiny_model(tmp_path_factory.mktemp('tiny')),
                               max_image_pixels=MAX_IMAGE_PIXELS,
                               max_request_megapixels=TINY_MAX_REQUEST_MEGAPIXELS)


def test_mutated_bodies_are_accepted_or_get_a_one_line_4xx(handler_and_context):
    handler, context = handler_and_context
    deadline = time.monotonic() + SECONDS
    outcomes, escaped, accepted = {}, [], []
    for count, (body, content_type) in enumerate(itertools.islice(mutated_requests(SEED), BODIES)):
        if time.monotonic() > deadline:
            break
        try:
            handler._read(torchserve_row(body, content_type), content_type)
        except BadRequest as error:
            assert 400 <= error.error_code < 500 and '\n' not in error.message, (body[:80], error)
            outcomes[error.error_code] = outcomes.get(error.error_code, 0) + 1
        except Exception as error:  # noqa: BLE001 - what the test is looking for
            escaped.append((count, body[:80], content_type, repr(error)))
        else:
            outcomes[200] = outcomes.get(200, 0) + 1
            accepted.append((body, content_type))
    print(f'{count + 1} bodies: {outcomes}')
    assert not escaped, f'{len(escaped)} bodies raised out of the per-request code, first: {escaped[0]}'
    assert outcomes.get(200) and len(outcomes) > 2, outcomes  # the mutations reach every outcome

    # a batch of accepted bodies goes all the way through: 200s (or a 4xx the pipeline found)
    sample = accepted[:4]
    answers = run(handler, context, [body for body, _ in sample], [t for _, t in sample])
    assert all(status == 200 or 400 <= status < 500 for status, _, _ in answers), answers
