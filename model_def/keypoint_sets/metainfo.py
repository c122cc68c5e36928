"""A keypoint set described by data: mmpose 1.x dataset-info files read into the dataset meta.

A dataset-info file is a Python file defining ``dataset_info = dict(dataset_name=..., paper_info=...,
keypoint_info={id: dict(name, id, color, type, swap)}, skeleton_info={id: dict(link=(name, name), id,
color)}, joint_weights=[...], sigmas=[...])``, as mmpose publishes them (``configs/_base_/datasets/``).
``parse_pose_metainfo(dict(from_file=PATH))`` reads one into the dataset meta that every part of the
project reads: mmpose's key names and ours side by side.

==========================  ==========================================================================
mmpose key                  ours (alias)
==========================  ==========================================================================
``dataset_name``            ``dataset_name``
``num_keypoints``           (``len(keypoint_names)``)
``keypoint_id2name``        ``keypoint_names`` (list in id order)
``keypoint_name2id``
``flip_indices``            ``flip_index`` (joint j of a mirrored image is joint ``flip_index[j]``)
``flip_pairs``              (from ``swap``)
``upper_body_ids``,
``lower_body_ids``          (from ``type``)
``keypoint_colors``         RGB per joint, as in the file
``skeleton_links``          ``skeleton`` (0-based joint index pairs)
``skeleton_link_colors``    RGB per link
``dataset_keypoint_weights``  ``joint_weights`` of the file; all 1.0 when the file has none
``sigmas``                  OKS sigmas per joint; ``[]`` when the file has none (evaluation then
                            needs them given, see ``CocoKeypointAP``)
==========================  ==========================================================================

Plus ``joint_order``, the order in which the grouping visits the joints: the file's own
``joint_order`` entry when it has one (our extension; mmpose ignores it), else
``grouping.default_joint_order(K)`` (the official parser's order where it applies to K joints, as for
COCO and CrowdPose, else the file's order), and ``from_file``, the file's absolute path.

Every value is a plain Python number, string, list or dict (mmpose uses numpy arrays for colours,
weights and sigmas): the meta travels in training checkpoints, which must load with
``torch.load(weights_only=True)``.
"""
import copy
from pathlib import Path

from higherhrnet import registry

# Files shipped with the project: ``from_file='configs/_base_/datasets/coco.py'`` (mmpose's spelling,
# relative to the package) or just ``'coco.py'`` / ``'coco'``.
PACKAGE_DIR = Path(registry.__file__).resolve().parent
SHIPPED_DIR = PACKAGE_DIR / 'configs' / '_base_' / 'datasets'
# Keys a dataset-info file may hold (``joint_order`` is ours); any other is a misspelling.
FILE_KEYS = frozenset(['dataset_name', 'paper_info', 'keypoint_info', 'skeleton_info', 'joint_weights',
                       'sigmas', 'joint_order'])
# Drawing colours for files whose joints or links carry none (RGB, as the files write them).
DEFAULT_COLOR = [255, 128, 0]


class KeypointSetError(ValueError):
    """A dataset-info file (or a dataset meta) that does not describe a keypoint set; the message
    names the file and the field."""


def shipped_metainfo_files():
    """The dataset-info files shipped with the project, by name (``coco``, ``crowdpose``, ...)."""
    return {path.stem: path for path in sorted(SHIPPED_DIR.glob('*.py'))}


def resolve_metainfo_file(from_file, config_dir=None):
    """The dataset-info file ``from_file`` names: a path (absolute, or relative to the current folder,
    then to ``config_dir``, the folder of the config that names it), or a file shipped with the
    project (``configs/_base_/datasets/coco.py``, ``coco.py`` or ``coco``)."""
    path = Path(str(from_file)).expanduser()
    candidates = [path]
    if config_dir is not None and not path.is_absolute():
        candidates.append(Path(config_dir) / path)
    if not path.is_absolute():
        candidates += [PACKAGE_DIR / path, SHIPPED_DIR / path, SHIPPED_DIR / f'{path}.py']
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    shipped = ', '.join(shipped_metainfo_files())
    raise FileNotFoundError(f'no dataset-info file {from_file!r} (a path, or one shipped with the '
                            f'project: {shipped})')


def config_metainfo(cfg):
    """Every ``metainfo=dict(from_file=...)`` inside a config dict (the model's, each dataset's), to read
    or to rewrite in place."""
    if isinstance(cfg, dict):
        metainfo = cfg.get('metainfo')
        if isinstance(metainfo, dict) and isinstance(metainfo.get('from_file'), str):
            yield metainfo
        for value in cfg.values():
            yield from config_metainfo(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            yield from config_metainfo(value)


def absolute_metainfo_files(cfg, config_dir):
    """Make every ``metainfo.from_file`` of a config dict that is found relative to ``config_dir``, and
    not in the current folder, an absolute path (in place)."""
    for metainfo in config_metainfo(cfg):
        path = Path(metainfo['from_file']).expanduser()
        beside = Path(config_dir) / path
        if not path.is_absolute() and not path.is_file() and beside.is_file():
            metainfo['from_file'] = str(beside.resolve())


def load_dataset_info(path):
    """The ``dataset_info`` dict of a dataset-info file."""
    from mmengine.config import Config

    try:
        config = Config.fromfile(str(path), import_custom_modules=False)
    except Exception as error:  # noqa: BLE001 - a syntax or name error in the user's file
        raise KeypointSetError(f'{path}: cannot read it as a dataset-info file '
                               f'({type(error).__name__}: {error})') from None
    if 'dataset_info' not in config:
        raise KeypointSetError(f'{path}: defines no dataset_info = dict(...) (the mmpose dataset-info '
                               'format: dataset_name, keypoint_info, skeleton_info, joint_weights, sigmas)')
    return config.dataset_info.to_dict()


def parse_pose_metainfo(metainfo, config_dir=None):
    """The dataset meta of ``metainfo``: ``dict(from_file=PATH)`` (a dataset-info file, see
    ``resolve_metainfo_file``), a ``dataset_info`` dict in the file format, or an already parsed
    dataset meta (ours or mmpose's keys), returned completed. Raises ``KeypointSetError`` naming the
    file and the field when the set is inconsistent."""
    metainfo = dict(metainfo)
    if 'from_file' in metainfo:
        path = resolve_metainfo_file(metainfo['from_file'], config_dir)
        meta = _from_dataset_info(load_dataset_info(path), str(path))
        meta['from_file'] = str(path)
        return meta
    if 'keypoint_info' in metainfo:
        return _from_dataset_info(metainfo, 'the dataset_info dict')
    return complete_dataset_meta(metainfo)


def _from_dataset_info(info, source):
    unknown = sorted(set(info) - FILE_KEYS)
    if unknown:
        raise KeypointSetError(f'{source}: unknown dataset_info field(s) {unknown}; known: {sorted(FILE_KEYS)}')
    for field in ('dataset_name', 'keypoint_info'):
        if field not in info:
            raise KeypointSetError(f'{source}: dataset_info has no {field!r}')
    keypoints = _keypoints(info['keypoint_info'], source)
    names = [joint['name'] for joint in keypoints]
    name2id = {name: k for k, name in enumerate(names)}
    num = len(names)

    flip_index = []
    for k, joint in enumerate(keypoints):
        swap = joint.get('swap', '') or ''
        if swap and swap not in name2id:
            raise KeypointSetError(f"{source}: keypoint_info[{k}] ({joint['name']!r}) has swap={swap!r}, "
                                   f'which names no keypoint of the set')
        flip_index.append(name2id[swap] if swap else k)
    for k, partner in enumerate(flip_index):
        if flip_index[partner] != k:
            raise KeypointSetError(
                f"{source}: keypoint_info swaps are not pairs: {names[k]!r} swaps with {names[partner]!r}, "
                f'but {names[partner]!r} swaps with {names[flip_index[partner]]!r}')

    skeleton, link_colors = [], []
    for link_id, link in sorted((info.get('skeleton_info') or {}).items()):
        pair = link.get('link') if isinstance(link, dict) else None
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise KeypointSetError(f'{source}: skeleton_info[{link_id}] needs link=(name, name), got {pair!r}')
        for name in pair:
            if name not in name2id:
                raise KeypointSetError(f'{source}: skeleton_info[{link_id}] links {name!r}, which names no '
                                       'keypoint of the set')
        skeleton.append([name2id[pair[0]], name2id[pair[1]]])
        link_colors.append(_color(link.get('color'), f'skeleton_info[{link_id}].color', source))

    joint_weights = _per_joint(info.get('joint_weights'), 'joint_weights', num, source, default=1.0)
    sigmas = _per_joint(info.get('sigmas'), 'sigmas', num, source, default=None)
    meta = dict(
        dataset_name=str(info['dataset_name']),
        paper_info=copy.deepcopy(info.get('paper_info', {})),
        keypoint_names=names,
        flip_index=flip_index,
        skeleton=skeleton,
        joint_weights=joint_weights,
        sigmas=sigmas,
        keypoint_colors=[_color(j.get('color'), f'keypoint_info[{k}].color', source) for k, j in enumerate(keypoints)],
        skeleton_link_colors=link_colors,
        upper_body_ids=[k for k, joint in enumerate(keypoints) if joint.get('type') == 'upper'],
        lower_body_ids=[k for k, joint in enumerate(keypoints) if joint.get('type') == 'lower'],
    )
    if info.get('joint_order') is not None:
        meta['joint_order'] = list(info['joint_order'])
    return complete_dataset_meta(meta, source)


def _keypoints(keypoint_info, source):
    """The joints of ``keypoint_info`` in id order, their ids checked to be 0..K-1 and names unique."""
    if not isinstance(keypoint_info, dict) or not keypoint_info:
        raise KeypointSetError(f'{source}: keypoint_info must be a non-empty dict {{id: dict(name=..., id=...)}}')
    by_id, seen_names = {}, {}
    for key, joint in keypoint_info.items():
        if not isinstance(joint, dict) or 'name' not in joint:
            raise KeypointSetError(f'{source}: keypoint_info[{key}] must be a dict with a name')
        joint_id = joint.get('id', key)
        if joint_id != key:
            raise KeypointSetError(f'{source}: keypoint_info[{key}] has id={joint_id!r}: the id must equal its key')
        if joint['name'] in seen_names:
            raise KeypointSetError(f"{source}: keypoint_info[{key}] and keypoint_info[{seen_names[joint['name']]}] "
                                   f"have the same name {joint['name']!r}")
        seen_names[joint['name']] = key
        by_id[joint_id] = joint
    ids = sorted(by_id, key=lambda i: (not isinstance(i, int), i if isinstance(i, int) else 0))
    if ids != list(range(len(ids))):
        raise KeypointSetError(f'{source}: keypoint_info ids must be 0..{len(ids) - 1}, each once; got {sorted(map(str, ids))}')
    return [by_id[i] for i in ids]


def _per_joint(values, field, num, source, default):
    """One number per joint; an absent or empty list gives ``default`` per joint (``[]`` for None)."""
    if values is None or len(values) == 0:
        return [] if default is None else [float(default)] * num
    if len(values) != num:
        raise KeypointSetError(f'{source}: {field} has {len(values)} values for {num} keypoints')
    return [float(value) for value in values]


def _color(value, field, source):
    if value is None:
        return list(DEFAULT_COLOR)
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise KeypointSetError(f'{source}: {field} must be [r, g, b], got {value!r}')
    return [int(c) for c in value]


def complete_dataset_meta(meta, source='dataset_meta'):
    """A dataset meta with both key spellings (mmpose's and ours) and ``joint_order``, checked.

    Accepts our keys (``keypoint_names``, ``flip_index``, ``skeleton``, optional ``joint_order``) or
    mmpose's (``keypoint_id2name``, ``flip_indices``, ``skeleton_links``, ...)."""
    from ..grouping import default_joint_order

    meta = copy.deepcopy(dict(meta))
    if 'keypoint_names' not in meta and 'keypoint_id2name' in meta:
        id2name = meta['keypoint_id2name']
        meta['keypoint_names'] = [id2name[k] for k in sorted(id2name)]
    if 'keypoint_names' not in meta:
        # no names: a meta without a keypoint set (e.g. a bare model dict); nothing to complete
        return meta
    names = list(meta['keypoint_names'])
    num = len(names)
    meta.setdefault('flip_index', meta.get('flip_indices', list(range(num))))
    meta.setdefault('skeleton', [list(pair) for pair in meta.get('skeleton_links', [])])
    meta['keypoint_names'] = names
    meta['flip_index'] = [int(k) for k in meta['flip_index']]
    meta['skeleton'] = [[int(i), int(j)] for i, j in meta['skeleton']]
    if sorted(meta['flip_index']) != list(range(num)):
        raise KeypointSetError(f'{source}: flip_index must be a permutation of 0..{num - 1}, got {meta["flip_index"]}')
    for i, j in meta['skeleton']:
        if not (0 <= i < num and 0 <= j < num):
            raise KeypointSetError(f'{source}: skeleton link ({i}, {j}) is not a pair of joint indices below {num}')
    if meta.get('joint_order') is None:
        meta['joint_order'] = default_joint_order(num)
    meta['joint_order'] = [int(k) for k in meta['joint_order']]
    if sorted(meta['joint_order']) != list(range(num)):
        raise KeypointSetError(f'{source}: joint_order must be a permutation of 0..{num - 1}, got {meta["joint_order"]}')
    for field, default in (('joint_weights', 1.0), ('sigmas', None)):
        values = meta.get(field, meta.get('dataset_keypoint_weights') if field == 'joint_weights' else None)
        meta[field] = _per_joint(None if values is None else list(values), field, num, source, default)
    meta.setdefault('dataset_name', 'unnamed')
    meta.setdefault('keypoint_colors', [list(DEFAULT_COLOR)] * num)
    meta.setdefault('skeleton_link_colors', [list(DEFAULT_COLOR)] * len(meta['skeleton']))
    meta.setdefault('upper_body_ids', [])
    meta.setdefault('lower_body_ids', [])
    # mmpose's names for the same facts
    meta.update(
        num_keypoints=num,
        keypoint_id2name=dict(enumerate(names)),
        keypoint_name2id={name: k for k, name in enumerate(names)},
        flip_indices=list(meta['flip_index']),
        flip_pairs=[[k, partner] for k, partner in enumerate(meta['flip_index']) if k < partner],
        skeleton_links=[list(pair) for pair in meta['skeleton']],
        num_skeleton_links=len(meta['skeleton']),
        dataset_keypoint_weights=list(meta['joint_weights']),
    )
    return meta


def model_dataset_meta(metainfo, dataset_meta, num_joints):
    """The dataset meta of a model: from ``metainfo`` (``dict(from_file=PATH)``, mmpose's model
    argument) or a plain ``dataset_meta`` dict, checked against the head's joint count."""
    if metainfo is not None and dataset_meta is not None:
        raise KeypointSetError('the model was given both metainfo and dataset_meta: describe the keypoint '
                               'set once (metainfo=dict(from_file=...), or set metainfo=None)')
    meta = parse_pose_metainfo(metainfo) if metainfo is not None else complete_dataset_meta(dataset_meta or {})
    if 'num_keypoints' in meta and meta['num_keypoints'] != num_joints:
        source = meta.get('from_file', 'its dataset_meta')
        raise KeypointSetError(f"the model's head has num_joints={num_joints}, but {source} describes "
                               f"{meta['num_keypoints']} keypoints: set model.head.num_joints={meta['num_keypoints']}")
    return meta
