"""Build the TorchServe archive (.mar) of one config and its weights.

    python -m higherhrnet.handler.archive --config registry/configs/higherhrnet_w32_coco_512.py \
        --weights weights/pose_higher_hrnet_w32_512.pth --export-path model_store

The archive holds the handler file, our packages under their installed names
(``higherhrnet.handler``, ``higherhrnet.model_def``, ``higherhrnet.registry``, so the worker imports
them as the installed project does), the weights and a
model-config.yaml made from ``handler/model-config.yaml``. ``--weights untrained`` archives
initialised weights for smoke tests; every response from such an archive says ``"untrained": true``.

A training checkpoint is archived as its weights alone (``state_dict`` and ``meta``; no optimiser
state), so the archive is about the size of the weights. The weights are loaded into the config's
network first, strictly and weights-only as the worker will: a file that is no checkpoint, or does not fit, fails here in seconds rather than as a worker
restarting under ``make serve``. A missing official file with a download address
(``official_weights.py``) is fetched and its checksum checked.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from higherhrnet.handler.budget import cpu_batch_overrun
from higherhrnet.handler.official_weights import OFFICIAL_URLS, DownloadError, fetch_official
from higherhrnet.handler.threads import AUTO, worker_threads
from higherhrnet.model_def.inference.backends.build import GRAPH_FILE
from higherhrnet.model_def.inference.backends.catalogue import (BACKENDS, DEFAULT_BACKEND, backend_named,
                                                                package_installed)

REPO_ROOT = Path(__file__).resolve().parents[1]
# repository folder -> its place in the archive (the installed package layout, see setup.py)
PACKAGES = {'handler': 'higherhrnet/handler', 'model_def': 'higherhrnet/model_def',
            'registry': 'higherhrnet/registry'}
NAMESPACE_INIT = REPO_ROOT / 'higherhrnet' / '__init__.py'
HANDLER_FILE = REPO_ROOT / 'handler' / 'higherhrnet_handler.py'
MODEL_CONFIG_TEMPLATE = REPO_ROOT / 'handler' / 'model-config.yaml'
PINS_FILE = REPO_ROOT / 'requirements.txt'
# What the worker imports besides torch, TorchServe and the standard library. The archive's
# requirements.txt holds these and what they need at run time, pinned as requirements.txt pins them,
# for a TorchServe without our .venv (KServe's runtime) that installs them (install_py_dep_per_model).
WORKER_PACKAGES = ('mmengine', 'numpy', 'opencv-python', 'pillow', 'PyYAML')
# Provided by the serving environment itself.
SERVING_PACKAGES = ('torch', 'torchserve')
UNTRAINED = 'untrained'
WEIGHTS_HELP = (
    '\n  The official weights are published by the HigherHRNet authors in the model zoo of\n'
    '  https://github.com/HRNet/HigherHRNet-Human-Pose-Estimation (Google Drive / OneDrive links in its\n'
    '  README): pose_higher_hrnet_w32_512.pth, pose_higher_hrnet_w32_640.pth.tar,\n'
    '  pose_higher_hrnet_w48_640.pth.tar (COCO) and the CrowdPose files.\n'
    '  `make archive` downloads pose_higher_hrnet_w32_512.pth into weights/ when it is missing;\n'
    '  `make archive WEIGHTS=untrained` archives initialised weights for a smoke test.')


def _devices(workers, device):
    """Worker count and TorchServe deviceType; 'auto' = one worker per visible GPU, else one CPU worker."""
    import torch
    gpus = torch.cuda.device_count()
    if device == 'auto':
        device = 'gpu' if gpus else 'cpu'
    if workers == 'auto':
        workers = gpus if device == 'gpu' and gpus else 1
    return int(workers), device


def _config_in_archive(config, staging):
    """Path of the config inside the archive: our configs travel with registry/ (and their _base_ and
    dataset-info files); any other config is written out flattened (its _base_ files merged in), with
    the dataset-info files it names copied beside it."""
    config = Path(config).resolve()
    if config.is_relative_to(REPO_ROOT) and config.relative_to(REPO_ROOT).parts[0] in PACKAGES:
        parts = config.relative_to(REPO_ROOT).parts
        return '/'.join((PACKAGES[parts[0]],) + parts[1:])
    from higherhrnet.model_def.configs import load_config
    target = staging / 'configs' / config.name
    target.parent.mkdir(parents=True)
    cfg = load_config(config)
    copied = {}
    for value in cfg.values():
        _copy_metainfo_files(value, target.parent, copied)
    cfg.dump(str(target))
    return target.relative_to(staging).as_posix()


def _copy_metainfo_files(cfg, folder, copied):
    """Copy every dataset-info file the config dict names (``metainfo=dict(from_file=...)``) into
    ``folder/metainfo/`` and point the config at the copy, relative to ``folder`` (the worker reads
    it relative to the config's folder). ``copied``: source path -> its name in the archive."""
    from higherhrnet.model_def.keypoint_sets import resolve_metainfo_file
    from higherhrnet.model_def.keypoint_sets.metainfo import config_metainfo

    for metainfo in config_metainfo(cfg):
        source = resolve_metainfo_file(metainfo['from_file'])
        if source not in copied:
            taken = {path.name for path in copied.values()}
            copied[source] = Path('metainfo') / (source.name if source.name not in taken
                                                 else f'{len(copied)}_{source.name}')
            (folder / 'metainfo').mkdir(exist_ok=True)
            shutil.copy(source, folder / copied[source])
        metainfo['from_file'] = copied[source].as_posix()


def run_time_dependencies(names, leave_out=SERVING_PACKAGES):
    """``names`` and every distribution they require, recursively, by the installed metadata (no
    extras; markers for this Python and platform), as canonical names; ``leave_out`` and what only
    they require are not followed."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found, pending = set(), [canonicalize_name(name) for name in names]
    while pending:
        name = pending.pop()
        if name in found or name in leave_out:
            continue
        found.add(name)
        for text in metadata.requires(name) or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({'extra': ''}):
                pending.append(canonicalize_name(requirement.name))
    return found


def worker_requirements(pins_file=PINS_FILE, backend=None):
    """The lines of ``pins_file`` (``name==version``) that the worker needs beyond torch and TorchServe:
    ``WORKER_PACKAGES``, the package of the network ``backend`` when we pin it (tensorrt comes with the
    GPU machine), and their run-time dependencies, in the file's order. A dependency the file does not
    pin raises ``ValueError``: the archive would let pip choose its version."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in Path(pins_file).read_text().splitlines():
        line = line.split('#')[0].strip()
        if line:
            pins[canonicalize_name(Requirement(line).name)] = line
    packages = list(WORKER_PACKAGES)
    package = BACKENDS[backend].package if backend in BACKENDS else None
    if package and canonicalize_name(package) in pins:
        packages.append(package)
    needed = run_time_dependencies(packages)
    unpinned = sorted(needed - set(pins))
    if unpinned:
        raise ValueError(f'{pins_file} pins no {", ".join(unpinned)}, which the worker needs: add the installed '
                         'versions (pip freeze)')
    return [line for name, line in pins.items() if name in needed]


def check_backend_setting(name):
    """Refuse an unknown backend; warn when its package is missing here (the archive may be made on
    another machine than the one that serves it, e.g. TensorRT engines are built on the GPU machine)."""
    backend = backend_named(name)
    if not package_installed(backend):
        print(f'make archive: warning: the {name} backend needs the Python package {backend.package!r} on the '
              f'serving machine, and it is not installed here: {backend.install}', file=sys.stderr, flush=True)


def _untrained_weights(config, path):
    """The config's seeded untrained weights (``model_def/untrained.py``: the same people in every
    archive, and as the command line without --checkpoint), saved in the official key layout."""
    import torch

    from higherhrnet.model_def.untrained import untrained_state_dict
    torch.save(untrained_state_dict(config), path)


def _lean_weights(weights, folder):
    """``weights``, or when it is a training checkpoint its weights and meta alone written to ``folder``
    under the same name: the worker reads nothing else, and the optimiser's moments would double the
    archive."""
    import torch

    from higherhrnet.model_def.checkpoint import load_checkpoint_file
    from higherhrnet.model_def.weights_file import is_weights_only, weights_only

    checkpoint = load_checkpoint_file(weights)
    if is_weights_only(checkpoint):
        return weights
    kept = weights_only(checkpoint)
    lean = folder / Path(weights).name
    torch.save(kept, lean)
    left_out = ', '.join(sorted(set(checkpoint) - set(kept)))
    print(f'archiving the weights of {weights} without its training state ({left_out})', flush=True)
    return lean


class WeightsError(ValueError):
    """The weights file cannot be loaded into the config's network; the message says why."""


def _unreadable(error):
    """torch.load's reason in one line, without its advice to turn weights-only loading off."""
    detail = str(error).split('WeightsUnpickler error:')[-1].strip()
    detail = detail.splitlines()[0].split('  (Could this error message be improved?')[0] if detail else ''
    return f'{type(error).__name__}: {detail}' if detail else type(error).__name__


def check_weights(config, weights):
    """Load ``weights`` into the network of ``config`` strictly, reading the file weights-only as the
    worker does; raises ``WeightsError`` naming the file and the reason."""
    from mmengine.registry import MODELS

    from higherhrnet.model_def.checkpoint import load_checkpoint_file, load_official_checkpoint
    from higherhrnet.model_def.configs import load_config
    try:
        checkpoint = load_checkpoint_file(weights)
    except (ValueError, FileNotFoundError) as error:  # our loader's own messages
        raise WeightsError(str(error) if str(weights) in str(error) else f'{weights}: {error}') from None
    except Exception as error:  # noqa: BLE001 - the unpickler fails on foreign bytes as it may (IndexError, ...)
        raise WeightsError(f'{weights} is not a PyTorch checkpoint that loads weights-only '
                           f'(torch.load says {_unreadable(error)})') from None
    model = MODELS.build(load_config(config).model)
    try:
        load_official_checkpoint(model, checkpoint)
    except (ValueError, RuntimeError) as error:  # CheckpointMismatchError names keys and the config that fits
        raise WeightsError(f'{weights} does not fit {Path(config).name}: {error}') from None


# The graph's outputs may differ from PyTorch's by float rounding only (measured: below 1e-6 for W32).
GRAPH_TOLERANCE = 1e-4


def export_checked_graph(config, weights, path):
    """Export the network of ``config`` with ``weights`` (a file, or a state dict) to the ONNX file
    ``path`` and check it with onnxruntime against PyTorch on a seeded input: the graph a worker's
    backend compiles. Raises ``ValueError`` when an output differs by more than ``GRAPH_TOLERANCE``."""
    import numpy as np
    from mmengine.registry import MODELS

    from higherhrnet.model_def.checkpoint import load_checkpoint_file, load_official_checkpoint
    from higherhrnet.model_def.configs import load_config
    from higherhrnet.model_def.inference.backends.network_export import export_onnx, onnx_max_differences

    model = MODELS.build(load_config(config).model).eval()
    load_official_checkpoint(model, weights if isinstance(weights, dict) else load_checkpoint_file(weights))
    export_onnx(model, path)
    sample = np.random.RandomState(0).standard_normal((1, 3, 256, 320)).astype(np.float32)
    differences = onnx_max_differences(model, path, sample)
    if max(differences) > GRAPH_TOLERANCE:
        raise ValueError(f'the exported graph differs from PyTorch by {max(differences):.2g} '
                         f'(more than {GRAPH_TOLERANCE:g}): report this with the config and torch version')
    return differences


def build_archive(config, weights, export_path, *, model_name='higherhrnet', batch_size=None,
                  max_batch_delay_ms=None, workers='auto', device='auto', response_timeout_s=None,
                  max_image_pixels=None, check=True, handler_settings=None):
    """Write ``<export_path>/<model_name>.mar``; returns its path. Unset settings keep the template's.
    ``check=False`` archives the weights without loading them into the config's network first;
    ``handler_settings``: more keys of the handler section (e.g. ``{'threads': 1}``)."""
    from higherhrnet.model_def.configs import resolve_config

    # a file, a name in registry/configs or higherhrnet::<config>.py; FileNotFoundError lists the known ones
    config, export_path = resolve_config(config), Path(export_path)
    check_backend_setting((handler_settings or {}).get('backend', DEFAULT_BACKEND))
    untrained = str(weights) == UNTRAINED
    if not untrained and not Path(weights).is_file():
        raise FileNotFoundError(f'weights file {weights} does not exist: put the checkpoint there, '
                                f'or pass WEIGHTS=<path>.{WEIGHTS_HELP}')
    if check and not untrained:
        check_weights(config, weights)
    export_path.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='higherhrnet-archive-') as tmp:
        tmp = Path(tmp)
        # --extra-files copies the contents of a folder: a parent folder keeps the package names.
        staging = tmp / 'extra'
        for folder, package in PACKAGES.items():
            shutil.copytree(REPO_ROOT / folder, staging / package,
                            ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        shutil.copy(NAMESPACE_INIT, staging / 'higherhrnet' / '__init__.py')
        if untrained:
            weights = tmp / 'untrained_weights.pth'
            _untrained_weights(config, weights)
        else:
            weights = _lean_weights(weights, tmp)
        settings = yaml.safe_load(MODEL_CONFIG_TEMPLATE.read_text())
        settings['minWorkers'], settings['deviceType'] = _devices(workers, device)
        settings['maxWorkers'] = settings['minWorkers']
        for key, value in (('batchSize', batch_size), ('maxBatchDelay', max_batch_delay_ms),
                           ('responseTimeout', response_timeout_s)):
            if value is not None:
                settings[key] = int(value)
        settings['handler'].update(config=_config_in_archive(config, staging),
                                   weights=Path(weights).name, untrained=untrained)
        if max_image_pixels is not None:
            settings['handler']['max_image_pixels'] = int(max_image_pixels)
        settings['handler'].update(handler_settings or {})
        if settings['deviceType'] == 'cpu':
            overrun = cpu_batch_overrun(settings['batchSize'], settings['handler']['max_request_megapixels'],
                                        settings['responseTimeout'])
            if overrun:
                print(f'make archive: warning: {overrun}', file=sys.stderr, flush=True)
        backend = settings['handler'].get('backend', DEFAULT_BACKEND)
        if backend != DEFAULT_BACKEND:
            # the worker's runtime compiles this graph: exported and checked once, here
            differences = export_checked_graph(config, weights, staging / GRAPH_FILE)
            settings['handler']['onnx'] = GRAPH_FILE
            print(f'make archive: network graph for the {backend} backend exported, checked against PyTorch '
                  f'(largest difference {max(differences):.1e})', flush=True)
        model_config = tmp / 'model-config.yaml'
        model_config.write_text(yaml.safe_dump(settings, sort_keys=False))
        requirements = tmp / 'requirements.txt'
        requirements.write_text('\n'.join(worker_requirements(backend=backend)) + '\n')
        # the archiver run by this interpreter: a copied venv's scripts name another one in their #!
        subprocess.run([
            sys.executable, '-c', 'import sys; from model_archiver.model_packaging import '
            'generate_model_archive; sys.exit(generate_model_archive())',
            '--model-name', model_name, '--version', '1.0',
            '--handler', str(HANDLER_FILE), '--serialized-file', str(weights),
            '--extra-files', str(staging), '--config-file', str(model_config),
            '--requirements-file', str(requirements),
            '--export-path', str(export_path), '--force',
            # the archiver stages files in <TMPDIR>/<model name>: our own temp folder keeps two
            # archive builds of the same name from mixing their files
        ], check=True, env={**os.environ, 'TMPDIR': str(tmp)})
    return export_path / f'{model_name}.mar'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', required=True,
                        help='config file, or higherhrnet::<config>.py (a file of registry/configs)')
    parser.add_argument('--weights', required=True,
                        help=f'checkpoint file in any official layout, or "{UNTRAINED}"')
    parser.add_argument('--export-path', default='model_store')
    parser.add_argument('--model-name', default='higherhrnet')
    parser.add_argument('--batch-size', type=int)
    parser.add_argument('--max-batch-delay-ms', type=int)
    parser.add_argument('--workers', default='auto', help='worker count, or auto (one per GPU)')
    parser.add_argument('--device', default='auto', choices=('auto', 'gpu', 'cpu'))
    parser.add_argument('--response-timeout-s', type=int)
    parser.add_argument('--max-image-pixels', type=int)
    parser.add_argument('--weights-url', help='where to download missing official weights from '
                        '(default: their published address)')
    parser.add_argument('--handler-setting', action='append', default=[], metavar='KEY=VALUE',
                        help='a key of the handler section of model-config.yaml, e.g. '
                             'max_request_megapixels=40 or threads=4 (repeatable)')
    args = parser.parse_args(argv)
    handler_settings = {}
    # what an operator may set: the worker only warns about a misspelt key, and config, weights and
    # untrained are the archive's own
    from higherhrnet.handler.higherhrnet_handler import SETTINGS
    settable = [key for key in SETTINGS if key not in ('config', 'weights', 'untrained', 'onnx')]
    for item in args.handler_setting:
        key, separator, value = item.partition('=')
        if not separator:
            parser.error(f'--handler-setting takes KEY=VALUE, got {item!r}')
        if key not in settable:
            parser.error(f'--handler-setting {key!r} is not a handler setting; one of: {", ".join(settable)}')
        try:
            handler_settings[key] = yaml.safe_load(value)
        except yaml.YAMLError:
            parser.error(f'--handler-setting {item!r}: its value is not a YAML scalar')
    try:  # a bad value would fail every worker at its start
        worker_threads(handler_settings.get('threads', AUTO), workers=1)
        check_backend_setting(handler_settings.get('backend', DEFAULT_BACKEND))
    except ValueError as error:
        parser.error(str(error))
    weights = Path(args.weights)
    if args.weights != UNTRAINED and not weights.exists() and weights.name in OFFICIAL_URLS:
        print(f'{weights} is missing: downloading it', flush=True)
        try:
            fetch_official(weights, args.weights_url, report=lambda line: print(line, flush=True))
        except DownloadError as error:
            sys.exit(f'make archive: {error}')
    try:
        path = build_archive(args.config, args.weights, args.export_path, model_name=args.model_name,
                             batch_size=args.batch_size, max_batch_delay_ms=args.max_batch_delay_ms,
                             workers=args.workers, device=args.device,
                             response_timeout_s=args.response_timeout_s,
                             max_image_pixels=args.max_image_pixels,
                             handler_settings=handler_settings)
    except (FileNotFoundError, WeightsError) as error:
        sys.exit(f'make archive: {error}')
    if args.weights == UNTRAINED:
        from higherhrnet.model_def.untrained import UNTRAINED_MESSAGE
        print(f'wrote {path}: UNTRAINED, a smoke test only: {UNTRAINED_MESSAGE}; every answer says '
              '"untrained": true')
    else:
        print(f'wrote {path}')


if __name__ == '__main__':
    main()
