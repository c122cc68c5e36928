"""PoseVisualizer: built by its scoped name from mmengine's root registry, draws the people of a data sample
in the keypoint set's colours, hands the picture to its backends."""
import numpy as np
import pytest
from mmengine.registry import VISUALIZERS
from mmengine.structures import BaseDataElement, InstanceData

from keypoint_testdata import TEMPLATES, WIDGET_LINKS, write_widget_info
from higherhrnet.model_def.keypoint_sets.metainfo import model_dataset_meta


def _sample(keypoints):
    sample = BaseDataElement()
    people = len(keypoints)
    sample.pred_instances = InstanceData(keypoints=np.asarray(keypoints, np.float32),
                                         keypoint_scores=np.ones(np.shape(keypoints)[:2], np.float32),
                                         scores=np.ones(people, np.float32), bboxes=np.zeros((people, 4), np.float32))
    return sample


def test_the_widgets_people_in_its_own_colours_reach_the_local_backend(tmp_path):
    visualizer = VISUALIZERS.build(dict(type='higherhrnet.PoseVisualizer', name='widget_pictures', draw_bbox=False,
                                        vis_backends=[dict(type='LocalVisBackend')], save_dir=str(tmp_path)))
    visualizer.dataset_meta = model_dataset_meta(dict(from_file=str(write_widget_info(tmp_path / 'widget.py'))),
                                                 None, len(TEMPLATES['widget']))
    image = np.full((200, 300, 3), 40, np.uint8)  # RGB
    person = TEMPLATES['widget'] * 2 + [60, 40]
    picture = visualizer.add_datasample('val_widget', image, _sample([person]), step=7)
    assert picture.shape == image.shape and picture.dtype == np.uint8
    # each limb in its dataset-info colour (RGB [255, 30 * i, 0], write_dataset_info), exactly along its middle
    for i, (a, b) in enumerate(WIDGET_LINKS):
        assert ((picture == [255, 30 * i % 256, 0]).all(axis=2)).any(), f'link {i} ({a}-{b})'
    assert (tmp_path / 'vis_data' / 'vis_image' / 'val_widget_7.png').is_file()


def test_without_a_skeleton_it_says_what_to_set(tmp_path):
    visualizer = VISUALIZERS.build(dict(type='higherhrnet.PoseVisualizer', name='no_meta_pictures'))
    with pytest.raises(ValueError, match='no dataset_meta with a skeleton'):
        visualizer.pose_picture(np.zeros((32, 32, 3), np.uint8), _sample(np.zeros((1, 17, 2))))
