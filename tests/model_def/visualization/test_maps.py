"""The maps as pictures: a heatmap peak lands where the estimator puts the joint, tags become hues."""
import numpy as np
import pytest

from higherhrnet.model_def.inference.geometry import get_final_preds, get_multi_scale_size
from higherhrnet.model_def.visualization.maps import heatmap_picture, map_to_image_matrix, tag_colours, tag_picture


@pytest.mark.parametrize('height, width, scale_factor', [(96, 128, [1]), (150, 90, [0.5, 1])])
def test_a_heatmap_peak_lands_on_the_joint_the_estimator_reports(height, width, scale_factor):
    input_size = 64
    # the aggregated maps cover the scale-1 network input
    (map_width, map_height), center, scale = get_multi_scale_size(height, width, input_size, 1, min(scale_factor))
    heatmaps = np.zeros((3, map_height, map_width), np.float32)
    peak = (map_width // 3, map_height // 2)  # x, y
    heatmaps[1, peak[1] - 1:peak[1] + 2, peak[0] - 1:peak[0] + 2] = 1.0
    image = np.zeros((height, width, 3), np.uint8)
    picture = heatmap_picture(image, heatmaps, input_size, scale_factor)
    assert picture.shape == image.shape and picture.dtype == np.uint8
    # where the estimator maps that map pixel (the center and scale of the smallest scale)
    _, center, scale = get_multi_scale_size(height, width, input_size, min(scale_factor), min(scale_factor))
    joint = get_final_preds(np.array([[[peak[0], peak[1], 1.0]]]), center, scale, (map_width, map_height))[0, 0]
    brightest = np.unravel_index(picture.sum(axis=2).argmax(), picture.shape[:2])
    assert abs(brightest[1] - joint[0]) <= 2 and abs(brightest[0] - joint[1]) <= 2
    matrix = map_to_image_matrix(image.shape, (map_width, map_height), input_size, scale_factor)
    assert matrix @ [peak[0], peak[1], 1] == pytest.approx(joint[:2], abs=1e-3)


def test_two_people_with_distant_tags_get_different_hues_and_no_heat_leaves_the_image():
    heatmaps = np.zeros((2, 32, 32), np.float32)
    tags = np.zeros((2, 32, 32, 1), np.float32)
    heatmaps[:, 4:10, 4:10], tags[:, 4:10, 4:10] = 1.0, -3.0   # person one, both joints
    heatmaps[:, 20:26, 20:26], tags[:, 20:26, 20:26] = 1.0, 5.0  # person two
    colours = tag_colours(tags, heatmaps)
    assert not np.array_equal(colours[6, 6], colours[22, 22])
    image = np.full((128, 128, 3), 100, np.uint8)  # a 128 image is a 32 map at input 128 / 4
    picture = tag_picture(image, tags, heatmaps, input_size=32)
    assert picture.shape == image.shape
    assert (picture[60:70, 60:70] == 100).all()  # no heat there: the image shows as it is
    assert not (picture[20:30, 20:30] == 100).all()


def test_maps_of_the_wrong_shape_are_one_line_errors():
    image = np.zeros((32, 32, 3), np.uint8)
    with pytest.raises(ValueError, match=r'heatmaps must have shape \[joints, height, width\]'):
        heatmap_picture(image, np.zeros((8, 8)), 32)
    with pytest.raises(ValueError, match='tags must have shape'):
        tag_picture(image, np.zeros((2, 8, 8)), np.zeros((2, 8, 8)), 32)
