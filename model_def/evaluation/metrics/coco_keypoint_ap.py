"""``CocoKeypointAP``: COCO / CrowdPose keypoint AP as an mmengine metric, in the official results format."""
import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from higherhrnet.registry import METRICS

from ...arrays import as_numpy
from ..keypoint_ap import STATS_NAMES, ap_table, keypoint_ap, load_ground_truth, result_rows, write_results


@METRICS.register_module()
class CocoKeypointAP(BaseMetric):
    """Keypoint AP / AR of bottom-up predictions against a COCO-format annotation file.

    ``process`` turns each data sample's ``pred_instances`` (``keypoints`` [P, K, 2] in original image
    pixels, ``keypoint_scores`` [P, K], ``scores`` [P]) into the official result rows (every person,
    the grouping score, the box of all joints); ``compute_metrics`` scores them with pycocotools
    (COCO) or xtcocotools' ``keypoints_crowd`` mode (CrowdPose AP easy / medium / hard). The images
    scored are those processed, so a run over part of a file scores that part.

    Args:
        ann_file: the keypoint annotation file (e.g. ``person_keypoints_val2017.json``,
            ``crowdpose_test.json``).
        dataset: ``'coco'`` or ``'crowdpose'``: which toolkit and stats. ``'coco'`` (pycocotools'
            AP / AR, small/medium/large areas) scores any keypoint set; ``'crowdpose'`` is the CrowdPose
            toolkit's AP easy / medium / hard.
        sigmas: the OKS sigma of each keypoint. Default: the ``sigmas`` of the dataset meta that the
            Runner hands the metric (the keypoint set's dataset-info file), else the toolkit's own.
        results_file: where to write the result rows as JSON (None: not written).
        arch_name: the row name of the official AP table in the log.
        prefix: prefix of the metric names (default: the dataset, e.g. ``coco/AP``).
        collect_device: ``'cpu'`` or ``'gpu'``, how results from several processes are gathered.
    """

    def __init__(self, ann_file, dataset='coco', results_file=None, arch_name='HigherHRNet', prefix=None,
                 collect_device='cpu', sigmas=None):
        if dataset not in STATS_NAMES:
            raise ValueError(f"dataset must be one of {sorted(STATS_NAMES)}, got {dataset!r}")
        super().__init__(collect_device=collect_device, prefix=prefix or dataset)
        self.ann_file = ann_file
        self.dataset = dataset
        self.results_file = results_file
        self.arch_name = arch_name
        self.sigmas = None if sigmas is None else [float(s) for s in sigmas]
        self._ground_truth = None

    @property
    def oks_sigmas(self):
        """The OKS sigmas to score with: given, else the dataset meta's, else None (the toolkit's)."""
        if self.sigmas is not None:
            return self.sigmas
        meta = self.dataset_meta or {}
        if 'sigmas' not in meta:
            return None
        if len(meta['sigmas']) == 0:
            raise ValueError(f"{meta.get('from_file', 'the dataset meta')}: sigmas is empty, and keypoint AP needs "
                             'one OKS sigma per keypoint: set sigmas=[...] in the dataset-info file, or '
                             'CocoKeypointAP(sigmas=[...])')
        return meta['sigmas']

    @property
    def ground_truth(self):
        """The COCO API object of ``ann_file``, read on first use (only the main process scores)."""
        if self._ground_truth is None:
            self._ground_truth = load_ground_truth(self.ann_file, self.dataset)
        return self._ground_truth

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            if hasattr(sample, 'to_dict'):
                sample = sample.to_dict()
            people = sample['pred_instances']
            keypoints = as_numpy(people['keypoints']).astype(np.float32)
            joint_scores = as_numpy(people['keypoint_scores']).astype(np.float32)
            self.results.append({
                'img_id': sample['img_id'],
                'keypoints': np.concatenate([keypoints, joint_scores[..., None]], axis=-1),  # x, y, score
                'scores': as_numpy(people['scores']).astype(np.float32),
            })

    def score(self, results):
        """(stats name -> value, the toolkit's summary text) of processed results; writes the rows
        to ``results_file`` when set."""
        category_id = self.ground_truth.getCatIds()[0]
        rows, image_ids = [], []
        for result in results:
            rows += result_rows(result['img_id'], result['keypoints'], result['scores'], category_id=category_id)
            image_ids.append(result['img_id'])
        if self.results_file:
            write_results(rows, self.results_file)
        # dict.fromkeys: each image once, in the order seen
        return keypoint_ap(self.ground_truth, rows, self.dataset, image_ids=list(dict.fromkeys(image_ids)),
                           sigmas=self.oks_sigmas)

    def compute_metrics(self, results):
        stats, summary = self.score(results)
        print_log('\n' + summary + ap_table(stats, self.arch_name), logger='current')
        return dict(stats)
