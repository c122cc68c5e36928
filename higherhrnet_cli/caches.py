"""Where the libraries under the command keep their files: in the repository, not the home folder.

mmengine writes a cache on import, YAPF (which mmengine's config formatting imports) pickles its
grammar under ``~/.cache/YAPF``, and matplotlib (mmengine's visualizer) writes ``~/.config/matplotlib``
and its font cache. They read ``XDG_CACHE_HOME`` and ``MPLCONFIGDIR`` on import, so these are set
before anything of mmengine is imported; values the user set are kept.
"""
import os
import tempfile
from pathlib import Path

# The folder above higherhrnet_cli/: the repository, in the editable install of `make install`.
REPOSITORY = Path(__file__).resolve().parents[1]


def cache_folder():
    """The repository's ``.cache`` (the one `make` uses); a folder under the temp folder where the
    package is installed without its repository."""
    if (REPOSITORY / 'Makefile').is_file() and (REPOSITORY / 'registry').is_dir():
        return REPOSITORY / '.cache'
    return Path(tempfile.gettempdir()) / 'higherhrnet-cache'


def keep_caches_out_of_home():
    folder = cache_folder()
    os.environ.setdefault('XDG_CACHE_HOME', str(folder))
    os.environ.setdefault('MPLCONFIGDIR', str(folder / 'matplotlib'))
