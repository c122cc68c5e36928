"""Drawing people on an image: moved to ``higherhrnet.model_def.visualization.drawing`` (the training
hooks draw too); these names stay importable from here."""
from higherhrnet.model_def.visualization.drawing import (  # noqa: F401
    FONT, PERSON_COLOURS, UNTRAINED_NOTE, draw_people, put_label, put_notes, text_origin)
