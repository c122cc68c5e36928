"""``higherhrnet predict``: people in an image or a folder of images, as JSON and annotated PNGs."""
from pathlib import Path

from .media import list_images, output_stems, read_image, write_json_and_png
from .options import (add_drawing_arguments, add_image_io_arguments, add_model_arguments, draw, load_estimator,
                      positive_int)
from .wording import counted


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'predict', help='pose of every person in images: JSON and annotated PNG per image',
        description='Run the model on an image or on every image of a folder; write, per image, '
                    'OUT/<name>.json (the schema of the server response) and OUT/<name>.png (the image '
                    'with joints, limbs, boxes and scores).')
    add_image_io_arguments(parser)
    parser.add_argument('--batch-size', type=positive_int, default=4,
                        help='images handed to the estimator at once (default 4)')
    parser.add_argument('--heatmaps', action='store_true',
                        help='also OUT/<name>_heatmaps.png (the strongest joint heatmap per pixel over the image, '
                             'blue low, red high) and OUT/<name>_tags.png (the tag map: one hue per person)')
    add_drawing_arguments(parser)
    add_model_arguments(parser)
    parser.set_defaults(run=run)


def run(args):
    from higherhrnet.model_def.inference.serialize import people_to_json

    paths = list_images(args.source)
    stems = output_stems(paths)
    if args.heatmaps:
        _check_map_names(paths, stems)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    estimator = load_estimator(args)
    for start in range(0, len(paths), args.batch_size):
        batch_paths = paths[start:start + args.batch_size]
        images = [read_image(path) for path in batch_paths]
        results = estimator.predict(images, return_heatmaps=args.heatmaps)
        for stem, image, result in zip(stems[start:], images, results):
            response = people_to_json(result, dataset_meta=estimator.dataset_meta,
                                      image_size=(image.shape[1], image.shape[0]),
                                      model_name=estimator.config_name, untrained=args.checkpoint is None)
            annotated = draw(args, image, result['keypoints'], estimator.dataset_meta['skeleton'],
                             result['bboxes'], result['scores'], dataset_meta=estimator.dataset_meta)
            write_json_and_png(out, stem, response, annotated)
            print(f'{stem}: {counted(len(result["scores"]), "person", "people")}')
            if args.heatmaps:
                print(f'{stem}: maps in {", ".join(str(p) for p in _write_maps(out, stem, image, result, estimator))}')
    print(f'wrote {(4 if args.heatmaps else 2) * len(paths)} files to {out}')
    return 0


MAP_SUFFIXES = ('_heatmaps', '_tags')


def _check_map_names(paths, stems):
    """Refuse inputs whose pictures of maps would overwrite another input's outputs (a.png and a_tags.png)."""
    by_stem = dict(zip(stems, paths))
    for path, stem in zip(paths, stems):
        for suffix in MAP_SUFFIXES:
            if stem + suffix in by_stem:
                raise ValueError(f'--heatmaps: the maps of {path.name} ({stem}{suffix}.png) would overwrite the '
                                 f'picture of {by_stem[stem + suffix].name}; rename one of them')


def _write_maps(out, stem, image, result, estimator):
    """OUT/<stem>_heatmaps.png and OUT/<stem>_tags.png, the maps of one image over it; their paths."""
    import cv2

    from higherhrnet.model_def.visualization.maps import heatmap_picture, tag_picture

    placement = dict(input_size=estimator.test_cfg['input_size'], scale_factor=estimator.test_cfg['scale_factor'])
    pictures = {'_heatmaps': heatmap_picture(image, result['heatmaps'], **placement),
                '_tags': tag_picture(image, result['tags'], result['heatmaps'], **placement)}
    written = []
    for suffix in MAP_SUFFIXES:
        path = out / f'{stem}{suffix}.png'
        if not cv2.imwrite(str(path), pictures[suffix]):
            raise RuntimeError(f'cannot write {path}')
        written.append(path)
    return written
