"""An output folder checked before any work: made, and shown writable by writing a file into it."""
import tempfile
from pathlib import Path


def writable_folder(path, option):
    """``path`` as a created, writable folder, or a one-line ``ValueError`` naming ``option`` and why.

    Checked by doing it (``mkdir``, a temporary file) rather than by permission bits, which root and
    network file systems do not honour the same way."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except FileExistsError:
        raise ValueError(f'{option} {path}: a file of that name is in the way (not a folder)') from None
    except NotADirectoryError:
        raise ValueError(f'{option} {path}: a part of the path is a file, not a folder') from None
    except OSError as error:
        raise ValueError(f'{option} {path}: cannot write there ({error.strerror or error})') from None
    return path
