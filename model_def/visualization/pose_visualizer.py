"""``PoseVisualizer``: an mmengine ``Visualizer`` that pictures an image's predicted people (and, on
request, the network's maps) and hands the picture to its vis backends (``vis_data/``, TensorBoard)."""
import cv2
import numpy as np
from mmengine.visualization import Visualizer

from higherhrnet.registry import VISUALIZERS

from ..arrays import as_numpy
from .drawing import draw_people
from .maps import heatmap_picture, tag_picture


def people_of(data_sample):
    """``(keypoints [P, K, 3] (x, y, score), bboxes [P, 4], scores [P])`` of a data sample's ``pred_instances``
    (the fields ``HigherHRNet.predict`` sets)."""
    people = data_sample.pred_instances
    keypoints = as_numpy(people.keypoints).astype(np.float32)
    joint_scores = as_numpy(people.keypoint_scores).astype(np.float32)
    return (np.concatenate([keypoints, joint_scores[..., None]], axis=-1),
            as_numpy(people.bboxes).astype(np.float32), as_numpy(people.scores).astype(np.float32))


@VISUALIZERS.register_module()
class PoseVisualizer(Visualizer):
    """The visualizer of the configs (``visualizer=dict(type='higherhrnet.PoseVisualizer', vis_backends=[...])``).

    ``add_datasample`` draws the people of ``data_sample.pred_instances`` with the keypoint set's
    skeleton and colours (``dataset_meta``: the model's, set by ``PoseVisualizationHook``) and, given the
    maps of ``PoseEstimator(return_heatmaps=True)``, puts the heatmaps and the tag map beside it, each
    over the image. Images are RGB, as mmengine's visualizers and backends take them.

    Args:
        min_joint_score: joints with a score at or below it are not drawn (default 0.1, the official
            detection threshold).
        draw_bbox: also the box and the score of each person.
        Other arguments: mmengine's ``Visualizer`` (``name``, ``vis_backends``, ``save_dir``).
    """

    def __init__(self, name='visualizer', min_joint_score=0.1, draw_bbox=True, **kwargs):
        super().__init__(name=name, **kwargs)
        self.min_joint_score = min_joint_score
        self.draw_bbox = draw_bbox
        self.dataset_meta = {}

    # mmengine's Visualizer keeps dataset_meta on the master process only (getter and setter master_only);
    # with ``out_file`` every process draws its own images, so every one keeps the keypoint set.
    @property
    def dataset_meta(self):
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta):
        self._dataset_meta = dataset_meta

    def pose_picture(self, image, data_sample, maps=None):
        """RGB uint8 picture: the image with its people, then (with ``maps``) its heatmaps and its tag map.

        maps: ``dict(heatmaps=[K, H, W], tags=[K, H, W, T], input_size=..., scale_factor=[...])``, the
        aggregated maps and the test settings that placed them."""
        meta = self.dataset_meta or {}
        if 'skeleton' not in meta:
            raise ValueError('PoseVisualizer: no dataset_meta with a skeleton (set visualizer.dataset_meta to '
                             "the model's dataset_meta first)")
        bgr = np.ascontiguousarray(np.asarray(image)[..., ::-1])
        keypoints, bboxes, scores = people_of(data_sample)
        panels = [draw_people(bgr, keypoints, meta['skeleton'], bboxes=bboxes if self.draw_bbox else None,
                              scores=scores if self.draw_bbox else None, min_joint_score=self.min_joint_score,
                              keypoint_colors=meta.get('keypoint_colors'),
                              link_colors=meta.get('skeleton_link_colors'))]
        if maps is not None:
            placement = dict(input_size=maps['input_size'], scale_factor=maps['scale_factor'])
            panels.append(heatmap_picture(bgr, maps['heatmaps'], **placement))
            panels.append(tag_picture(bgr, maps['tags'], maps['heatmaps'], **placement))
        return np.ascontiguousarray(np.concatenate(panels, axis=1)[..., ::-1])

    def add_datasample(self, name, image, data_sample=None, draw_gt=False, draw_pred=True, show=False, wait_time=0,
                       out_file=None, step=0, maps=None):
        """Draw (see ``pose_picture``) and hand the picture to every vis backend as image ``name`` at ``step``
        (``vis_data/vis_image/<name>_<step>.png``, TensorBoard's images); also write it to ``out_file``.
        Ground truth is not drawn (``draw_gt`` is accepted for mmengine's signature)."""
        picture = self.pose_picture(image, data_sample, maps) if draw_pred else np.asarray(image)
        if show:
            self.show(picture, win_name=name, wait_time=wait_time)
        self.add_image(name, picture, step)  # master process only (mmengine's master_only)
        if out_file is not None and not cv2.imwrite(str(out_file), picture[..., ::-1]):
            raise RuntimeError(f'cannot write {out_file}')
        return picture
