"""simple-HigherHRNet's ``HeatmapParser`` interface (``SimpleHigherHRNet.output_parser``) over the
official grouping.

What its users touch is kept: the settings as attributes (``num_joints``, ``joint_set``,
``max_num_people``, ``detection_threshold``, ``tag_threshold``, ``use_detection_val``,
``ignore_too_much``, ``tag_per_joint``) and ``parse(det, tag, adjust=True, refine=True)`` with its
argument and return layout. The people come from ``group_keypoints``, i.e. the official parser;
simple-HigherHRNet's own torch port rounds tags to 0.1 and can only ever match the first group, so
it finds more (duplicate) people. Its internal steps (``top_k_torch``, ``match_by_tag_torch``,
``adjust_torch``, ``refine_torch``, ``nms``) are not provided.
"""
import torch

from ..grouping import group_keypoints

# Attributes that are grouping settings: they read and write the settings dict the parser was given,
# so that setting one (e.g. ``output_parser.detection_threshold = 0.3``) changes the predictions of
# the pipeline that shares that dict, as it does in simple-HigherHRNet.
SHARED_SETTINGS = ('max_num_people', 'detection_threshold', 'tag_threshold', 'use_detection_val',
                   'ignore_too_much')


def _setting(name):
    def get(self):
        return self.settings[name]

    def set(self, value):
        self.settings[name] = value
    return property(get, set, doc=f'the grouping setting {name!r} (shared with the pipeline)')


class HeatmapParser:
    """Groups joints into people with the official grouping, called like simple-HigherHRNet's parser.

    Args:
        settings: the grouping settings (official ``test_cfg`` names; missing ones take the official
            defaults); kept by reference, see ``SHARED_SETTINGS``.
        num_joints: joints per person.
        joint_set: ``'coco'`` or ``'crowdpose'``.
        joint_order: the order in which the grouping visits the joints (the dataset's).
    """

    tag_per_joint = True  # the released HigherHRNet models have one tag map per joint

    max_num_people = _setting('max_num_people')
    detection_threshold = _setting('detection_threshold')
    tag_threshold = _setting('tag_threshold')
    use_detection_val = _setting('use_detection_val')
    ignore_too_much = _setting('ignore_too_much')

    def __init__(self, settings, num_joints, joint_set, joint_order=None):
        self.settings = settings
        self.num_joints = num_joints
        self.joint_set = joint_set
        self.joint_order = joint_order

    def parse(self, det, tag, adjust=True, refine=True):
        """People of a batch of maps.

        Args:
            det: heatmaps [N, K, H, W] (torch or numpy).
            tag: tag maps [N, K, H, W, T] (simple-HigherHRNet passes T = 1) or [N, K, H, W].

        Returns:
            ``(people, scores)`` as simple-HigherHRNet: ``people`` a list of N float32 tensors
            [P, K, 3 + T] (x, y, value, tags in heatmap pixels) on ``det``'s device; ``scores`` a
            list of 0-d tensors, the person scores (mean value before refine) **of the first image
            only**, as its parser returns them.
        """
        det = torch.as_tensor(det)
        tag = torch.as_tensor(tag)
        if det.ndim != 4:
            raise ValueError(f'det must be heatmaps [N, K, H, W], got shape {tuple(det.shape)}')
        if tag.ndim == 4:
            tag = tag[..., None]
        if tag.ndim != 5 or tag.shape[0] != det.shape[0]:
            raise ValueError(f'tag must be [N, K, H, W, T] for the {det.shape[0]} images of det, '
                             f'got shape {tuple(tag.shape)}')
        # adjust and refine are parse's own arguments here, as in simple-HigherHRNet
        grouping = {key: value for key, value in self.settings.items()
                    if key not in ('adjust', 'refine', 'joint_order')}
        people, first_scores = [], None
        for image_det, image_tag in zip(det, tag):
            poses, scores = group_keypoints(image_det, image_tag, adjust=adjust, refine=refine,
                                            joint_order=self.joint_order, **grouping)
            people.append(torch.from_numpy(poses).to(det.device))
            if first_scores is None:
                first_scores = [torch.tensor(score, device=det.device) for score in scores]
        return people, first_scores or []
