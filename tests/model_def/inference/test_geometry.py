"""Input sizes, affine matrices and the resize warp against the official goldens (resize_cases.npz)."""
import numpy as np
import pytest

from higherhrnet.model_def.inference.geometry import (get_affine_transform, get_final_preds, get_multi_scale_size,
                                  resize_align_multi_scale)
from conftest import reference_path


@pytest.fixture(scope='module')
def resize_cases():
    return np.load(reference_path('resize_cases.npz'))


def test_size_table_sizes_centers_scales_and_matrices(resize_cases):
    columns = list(resize_cases['size_table_columns'])
    rows = resize_cases['size_table']
    assert len(rows) == 330
    for values in rows:
        row = dict(zip(columns, values))
        height, width, input_size = int(row['h']), int(row['w']), int(row['input_size'])
        size, center, scale = get_multi_scale_size(height, width, input_size, row['scale'],
                                                   row['min_scale'])
        base_size, _, _ = get_multi_scale_size(height, width, input_size, 1.0, row['min_scale'])
        trans = get_affine_transform(center, scale, size)
        trans_inv = get_affine_transform(center, scale, base_size, inv=True)
        got = np.concatenate([size, center, scale, base_size, trans.ravel(), trans_inv.ravel()])
        # exact: the goldens are the official float arithmetic, not an approximation of it
        np.testing.assert_array_equal(got, values[5:], err_msg=str(row))


def _resize_keys(resize_cases):
    return sorted({key.rsplit('__', 1)[0] for key in resize_cases.files if key.endswith('__trans')})


def test_resized_images_equal(resize_cases):
    keys = _resize_keys(resize_cases)
    assert len(keys) == 16
    for key in keys:
        name, setting = key.split('__')
        input_size, min_scale, scale = setting.split('_')
        image = resize_cases[f'{name}__image']
        resized, center, scale_pair = resize_align_multi_scale(
            image, int(input_size[2:]), float(scale[1:]), float(min_scale[3:]))
        size = (resized.shape[1], resized.shape[0])
        np.testing.assert_array_equal(get_affine_transform(center, scale_pair, size),
                                      resize_cases[f'{key}__trans'], err_msg=key)
        if f'{key}__resized' in resize_cases:
            np.testing.assert_array_equal(resized, resize_cases[f'{key}__resized'], err_msg=key)
        else:
            np.testing.assert_array_equal(resized.shape, resize_cases[f'{key}__resized_shape'])
            assert int(resized.astype(np.int64).sum()) == int(resize_cases[f'{key}__resized_sum'])
            np.testing.assert_array_equal(resized[::8, ::8], resize_cases[f'{key}__resized_sub8'],
                                          err_msg=key)


def test_scale_one_input_depends_on_the_smallest_scale():
    # official quirk: the long side is rounded up to 64 at the smallest scale
    assert get_multi_scale_size(480, 640, 512, 1.0, 1.0)[0] == (704, 512)
    assert get_multi_scale_size(480, 640, 512, 1.0, 0.5)[0] == (768, 512)


def test_final_preds_map_base_input_pixels_to_image_pixels():
    (base_w, base_h), center, scale = get_multi_scale_size(480, 640, 512, 1.0, 1.0)
    poses = np.array([[[0.0, 0.0, 0.0, 0.0], [352.0, 256.0, 0.7, 1.5]]], dtype=np.float32)
    mapped = get_final_preds(poses, center, scale, (base_w, base_h))
    step = scale[0] * 200 / base_w
    expected_xy = (poses[..., :2] - [base_w / 2, base_h / 2]) * step + center
    np.testing.assert_allclose(mapped[..., :2], expected_xy, atol=1e-4)
    # undetected joints are mapped too (official): (0, 0) lands left of the image here
    np.testing.assert_allclose(mapped[0, 0, :2], [-10.0, 0.0], atol=1e-4)
    np.testing.assert_array_equal(mapped[..., 2:], poses[..., 2:])
    assert mapped.dtype == np.float32
