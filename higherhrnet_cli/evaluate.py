"""``higherhrnet evaluate``: COCO or CrowdPose keypoint AP of the model, as the official valid.py reports it."""
from pathlib import Path

from .media import read_image
from .options import add_model_arguments, load_estimator
from .wording import counted


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'evaluate', help='COCO / CrowdPose keypoint AP on an annotation file and its images',
        description='Run the model on every image of a COCO-format keypoint annotation file (e.g. '
                    'person_keypoints_val2017.json, crowdpose_test.json), write the results JSON, print '
                    "the toolkit's summary and the official AP table. The official test options are the "
                    "config's (flip test on, single scale); --no-flip-test and --scale-factor 0.5 1 2 "
                    'give the other official settings.')
    parser.add_argument('--annotations', required=True, help='COCO-format keypoint annotation file (.json)')
    parser.add_argument('--images', required=True, help="folder holding the annotation file's images")
    parser.add_argument('--dataset', choices=('coco', 'crowdpose'),
                        help="which metric: coco (pycocotools; any keypoint set, with the OKS sigmas of the "
                             "config's dataset-info file) or crowdpose (xtcocotools, the CrowdPose toolkit's "
                             "metric); default: the one of the config's evaluator")
    parser.add_argument('--results', default='keypoints_results.json',
                        help='results JSON to write (default keypoints_results.json)')
    parser.add_argument('--max-images', type=int, help='only the first N images (a quick check: AP covers '
                                                         'those images, except CrowdPose easy/medium/hard)')
    add_model_arguments(parser)
    parser.set_defaults(run=run)


def config_metric(config):
    """``dataset`` of the config's test (or validation) evaluator: which toolkit scores it."""
    from higherhrnet.model_def.configs import load_config

    cfg = load_config(config)
    evaluator = cfg.get('test_evaluator') or cfg.get('val_evaluator') or {}
    return evaluator.get('dataset', 'coco') if isinstance(evaluator, dict) else 'coco'


def run(args):
    from tqdm import tqdm

    from higherhrnet.model_def.evaluation import CocoKeypointAP
    from higherhrnet.model_def.evaluation.keypoint_ap import ap_table

    estimator = load_estimator(args)
    dataset = args.dataset or config_metric(args.config)
    # The metric of `higherhrnet test` and of validation during training: the same rows, the same scoring,
    # the OKS sigmas of the model's keypoint set (as the Runner hands the metric its dataset's meta).
    metric = CocoKeypointAP(args.annotations, dataset=dataset, results_file=args.results)
    metric.dataset_meta = estimator.dataset_meta
    ground_truth = metric.ground_truth
    category_id = ground_truth.getCatIds()[0]
    annotated_joints = len(ground_truth.loadCats(category_id)[0].get('keypoints', []))
    if annotated_joints != estimator.num_joints:
        raise ValueError(f'{args.annotations} annotates {annotated_joints} joints but the model predicts '
                         f'{estimator.num_joints}: use a config of the keypoint set of the annotations')
    # The official loader's order: the annotation file's image order.
    image_ids = list(ground_truth.imgs)[:args.max_images]
    for image_id in tqdm(image_ids, unit='image', desc='evaluate'):
        path = Path(args.images) / ground_truth.imgs[image_id]['file_name']
        # The stored pixels, EXIF orientation ignored, as the official data loaders read them.
        result = estimator.predict(read_image(path, exif_orientation=False))
        people = {'keypoints': result['keypoints'][..., :2], 'keypoint_scores': result['keypoints'][..., 2],
                  'scores': result['scores']}
        metric.process(None, [{'img_id': image_id, 'pred_instances': people}])
    stats, summary = metric.score(metric.results)
    people_count = sum(len(result['scores']) for result in metric.results)
    print(f'wrote {counted(people_count, "person", "people")} of {counted(len(image_ids), "image")} '
          f'to {args.results}')
    print(summary, end='')
    print(ap_table(stats, estimator.config_name))
    return 0
