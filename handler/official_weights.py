"""The official checkpoint `make archive` fetches when it is missing: where it comes from, its checksum.

    python -m higherhrnet.handler.official_weights weights/pose_higher_hrnet_w32_512.pth

Only ``pose_higher_hrnet_w32_512.pth`` (the default config's weights) has a plain-HTTPS copy to
fetch; the other official files are on the authors' Google Drive / OneDrive only.
"""
import argparse
import hashlib
import http.client
import sys
import urllib.request
from pathlib import Path

# The authors' file (Google Drive id 1V9Iz0ZYy9m8VeaspfKECDW0NKlGsYmO1) as copied into the OpenVINO
# model zoo, and its SHA-384: a download that differs in one byte is refused.
OFFICIAL_URLS = {
    'pose_higher_hrnet_w32_512.pth': (
        'https://storage.openvinotoolkit.org/repositories/open_model_zoo/public/2022.1/'
        'higher-hrnet-w32-human-pose-estimation/ckpt/pose_higher_hrnet_w32_512.pth',
        'd344fcc4e426308139397bd708be1c59500e038a540ea0979b6a10556b5f3530'
        '701d86c0cab276fc5710419f91879e3d'),
}
MODEL_ZOO = ('the authors\' model zoo, https://github.com/HRNet/HigherHRNet-Human-Pose-Estimation '
             '(Google Drive / OneDrive links in its README)')
CHUNK_BYTES = 1 << 20


class DownloadError(RuntimeError):
    """The file could not be fetched or is not the published one; one line, saying what to do."""


def download(url, sha384, destination, timeout_s=30, report=None):
    """Fetch ``url`` into ``destination`` (through ``destination``.part, renamed only once its
    SHA-384 is ``sha384``); ``report(line)`` hears the progress."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + '.part')
    digest = hashlib.sha384()
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer, open(partial, 'wb') as out:
            total = int(answer.headers.get('Content-Length') or 0)
            done, next_report = 0, 0.0
            while chunk := answer.read(CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if report and total and done / total >= next_report:
                    report(f'{destination.name}: {done / 2**20:.0f} of {total / 2**20:.0f} MiB')
                    next_report += 0.25
    except (OSError, http.client.HTTPException) as error:  # URLError is an OSError; a cut transfer is not
        partial.unlink(missing_ok=True)
        reason = getattr(error, 'reason', None) or error
        raise DownloadError(f'cannot download {destination.name} from {url} '
                            f'({reason}; no internet?)') from None
    if digest.hexdigest() != sha384:
        partial.unlink()
        raise DownloadError(f'the download of {destination.name} from {url} has SHA-384 '
                            f'{digest.hexdigest()[:16]}..., not the published {sha384[:16]}...: deleted')
    partial.replace(destination)
    return destination


def fetch_official(destination, url=None, report=None):
    """Download the official file named like ``destination`` into it; ``url`` replaces the
    published address (a mirror). Raises ``DownloadError`` saying where else the file comes from."""
    destination = Path(destination)
    if destination.name not in OFFICIAL_URLS:
        raise DownloadError(f'{destination.name} is not an official file with a download address '
                            f'({", ".join(OFFICIAL_URLS)} is): get it from {MODEL_ZOO}')
    published_url, sha384 = OFFICIAL_URLS[destination.name]
    try:
        return download(url or published_url, sha384, destination, report=report)
    except DownloadError as error:
        raise DownloadError(f'{error}: put {destination.name} at {destination} yourself (from '
                            f'{MODEL_ZOO}), or archive untrained weights for a smoke test with '
                            'WEIGHTS=untrained') from None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('destination', help=f'where to put it; its name is one of {", ".join(OFFICIAL_URLS)}')
    parser.add_argument('--url', help='another address of the same file (a mirror)')
    args = parser.parse_args(argv)
    if Path(args.destination).is_file():
        print(f'{args.destination} is there already')
        return
    try:
        fetch_official(args.destination, args.url, report=lambda line: print(line, flush=True))
    except DownloadError as error:
        sys.exit(f'make weights: {error}')
    print(f'wrote {args.destination} (SHA-384 checked)')


if __name__ == '__main__':
    main()
