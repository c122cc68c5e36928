"""The error a single bad request ends in."""
from ts.utils.util import PredictionException

# Characters of an exception's message quoted in a one-line answer.
SHOWN_REASON = 200


def one_line(error):
    """``TypeError: message`` on one line (the message's first, cut at ``SHOWN_REASON``): the
    reason of a failure as a client's answer quotes it."""
    lines = str(error).splitlines()
    return f'{type(error).__name__}: {lines[0][:SHOWN_REASON]}' if lines else type(error).__name__


class BadRequest(PredictionException, ValueError):
    """Bad input of one request: TorchServe's ``(message, error_code)`` form with a 4xx code.

    The handler answers the request it came from with ``error_code`` and a one-line JSON message;
    the other requests of the same batch are not affected. It is also a ``ValueError`` so that
    code using the decoding modules without TorchServe can catch it as such.
    """

    def __init__(self, message, error_code=400):
        if not 400 <= error_code < 500:
            raise ValueError(f'BadRequest needs a 4xx code, got {error_code}')
        super().__init__(message, error_code)


class Overloaded(PredictionException):
    """A request the worker had no time left for in its batch: 503, the client may retry."""

    def __init__(self, message):
        super().__init__(message, 503)
