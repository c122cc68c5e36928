"""Per-request options: check them and turn them into ``PoseEstimator.predict`` overrides."""
import math
from numbers import Real

from .errors import BadRequest

# Upper bounds keep one request from asking for unbounded work (the number of network passes grows
# with the scales, the grouping time with the number of people).
MAX_SCALES = 4
MAX_SCALE = 4.0
MAX_PEOPLE = 100
# Characters of a client's value quoted back in a message.
SHOWN_CHARACTERS = 40


def _shown(value):
    """A client's value for a one-line message: short, and safe on deeply nested JSON."""
    try:
        text = repr(value)
    except RecursionError:
        return f'a deeply nested {type(value).__name__}'
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS - 3] + '...'


def _boolean(name, value):
    if not isinstance(value, bool):
        raise BadRequest(f'option {name!r} must be true or false, got {_shown(value)}')
    return value


def _number(name, value):
    # bool is an int in Python; 'true' for a threshold is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise BadRequest(f'option {name!r} must be a finite number, got {_shown(value)}')
    return float(value)


def _detection_threshold(name, value):
    value = _number(name, value)
    if not 0.0 <= value <= 1.0:
        raise BadRequest(f'option {name!r} must lie in [0, 1], got {value}')
    return value


def _max_num_people(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PEOPLE:
        raise BadRequest(f'option {name!r} must be an integer in [1, {MAX_PEOPLE}], got {_shown(value)}')
    return value


def _scale_factor(name, value):
    scales = value if isinstance(value, list) else [value]
    if not 1 <= len(scales) <= MAX_SCALES:
        raise BadRequest(f'option {name!r} takes 1 to {MAX_SCALES} scales, got {len(scales)}')
    scales = [_number(name, scale) for scale in scales]
    if not all(0.0 < scale <= MAX_SCALE for scale in scales):
        raise BadRequest(f'option {name!r}: every scale must lie in (0, {MAX_SCALE}], got {_shown(scales)}')
    if len(scales) > 1 and 1.0 not in scales:
        # the pipeline takes the tags from scale 1 only
        raise BadRequest(f'option {name!r}: several scales must include 1, got {_shown(scales)}')
    # A tuple so that the options of a request can be compared and grouped.
    return tuple(scales)


CHECKS = {
    'flip_test': _boolean,
    'scale_factor': _scale_factor,
    'detection_threshold': _detection_threshold,
    'max_num_people': _max_num_people,
    'filter_redundant_poses': _boolean,
}


def parse_options(options):
    """Checked overrides from the options of one request (a dict from its JSON), hashable values.

    Options left out keep the archived config's values; any other key is refused.
    """
    unknown = sorted(set(options) - set(CHECKS))
    if unknown:
        raise BadRequest(f'unknown option(s) {", ".join(map(_shown, unknown[:5]))}; '
                         f'known: {", ".join(CHECKS)}')
    return {name: CHECKS[name](name, value) for name, value in options.items()}
