"""LoadImage: the official decoding (colour, EXIF orientation ignored, RGB) and a clear error."""
import cv2
import numpy as np
import pytest

from higherhrnet.model_def.datasets import LoadImage, UnusableSampleError


def test_reads_rgb_and_grey_as_three_channels(tmp_path):
    rgb = np.zeros((6, 8, 3), np.uint8)
    rgb[..., 0] = 200  # red
    cv2.imwrite(str(tmp_path / 'red.png'), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(tmp_path / 'grey.png'), np.full((5, 7), 90, np.uint8))
    results = LoadImage()(dict(img_path=str(tmp_path / 'red.png')))
    np.testing.assert_array_equal(results['img'], rgb)
    assert results['ori_shape'] == (6, 8)
    grey = LoadImage()(dict(img_path=str(tmp_path / 'grey.png')))['img']
    assert grey.shape == (5, 7, 3) and (grey == 90).all()


def test_unreadable_file_is_named(tmp_path):
    (tmp_path / 'broken.jpg').write_bytes(b'\xff\xd8 nothing more')
    with pytest.raises(UnusableSampleError, match='broken.jpg: OpenCV cannot read'):
        LoadImage()(dict(img_path=str(tmp_path / 'broken.jpg')))


def test_a_truncated_jpeg_is_refused_naming_it_not_decoded_with_a_warning(tmp_path):
    rng = np.random.default_rng(0)
    _, encoded = cv2.imencode('.jpg', rng.integers(0, 256, (64, 96, 3), dtype=np.uint8))
    data = encoded.tobytes()
    (tmp_path / 'whole.jpg').write_bytes(data)
    (tmp_path / 'padded.jpg').write_bytes(data + bytes(16))  # padding after the end marker is fine
    (tmp_path / 'cut.jpg').write_bytes(data[:len(data) * 2 // 3])
    for name in ('whole.jpg', 'padded.jpg'):
        assert LoadImage()(dict(img_path=str(tmp_path / name)))['img'].shape == (64, 96, 3)
    with pytest.raises(UnusableSampleError, match=r'cut.jpg: the JPEG file is truncated'):
        LoadImage()(dict(img_path=str(tmp_path / 'cut.jpg')))
