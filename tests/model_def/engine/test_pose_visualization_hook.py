"""PoseVisualizationHook in mmengine's Runner: pictures of validation images in vis_data/ and TensorBoard,
the maps beside them on request, and a clear error for a visualizer that cannot draw them."""
import cv2
import numpy as np
import pytest

from conftest import torch_on_one_thread
from training_testdata import trained_run  # noqa: F401 (fixture)
from higherhrnet.cli.main import main


def _val_images(run):
    return sorted((run.data_root / 'images' / 'val2017').glob('*.jpg'))


def test_training_draws_every_50th_validation_image_into_vis_data(trained_run):
    # the configs' default: on, interval 50; the tiny run validates 4 images once, at iteration 4
    first = _val_images(trained_run)[0]
    (picture,) = trained_run.work_dir.glob('*/vis_data/vis_image/*.png')
    assert picture.name == f'val_{first.stem}_4.png'
    drawn, image = cv2.imread(str(picture)), cv2.imread(str(first))
    assert drawn.shape == image.shape
    assert np.abs(drawn.astype(int) - image).max() > 100  # joints and limbs in the keypoint set's colours


def test_tensorboard_gets_the_pictures(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from training_testdata import write_tiny_training_config

    config = write_tiny_training_config(tmp_path)
    with torch_on_one_thread():
        assert main(['train', str(config), '--work-dir', str(tmp_path / 'work'), '--tensorboard',
                     '--cfg-options', 'train_cfg.max_epochs=1', 'train_cfg.val_interval=1']) == 0
    (events,) = tmp_path.glob('work/*/vis_data/events.out.tfevents.*')
    accumulator = EventAccumulator(str(events), size_guidance={'images': 0})
    accumulator.Reload()
    first = sorted((tmp_path / 'data' / 'images' / 'val2017').glob('*.jpg'))[0]
    assert accumulator.Tags()['images'] == [f'val_{first.stem}']
    (event,) = accumulator.Images(f'val_{first.stem}')
    assert event.step == 2  # the training iteration of the validation
    height, width = cv2.imread(str(first)).shape[:2]
    assert (event.width, event.height) == (width, height)
    decoded = cv2.imdecode(np.frombuffer(event.encoded_image_string, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (height, width, 3)
    assert 'loss' in ' '.join(accumulator.Tags()['scalars'])  # the scalars beside them


def test_show_heatmaps_puts_the_heatmaps_and_the_tag_map_beside_the_people(trained_run, tmp_path):
    with torch_on_one_thread():
        assert main(['test', str(trained_run.config), str(trained_run.work_dir / 'epoch_2.pth'),
                     '--work-dir', str(tmp_path), '--cfg-options', 'default_hooks.visualization.interval=2',
                     'default_hooks.visualization.show_heatmaps=True']) == 0
    images = _val_images(trained_run)
    pictures = sorted(tmp_path.glob('*/vis_data/vis_image/*.png'))
    assert [p.name for p in pictures] == [f'test_{image.stem}_0.png' for image in images[::2]]
    image, picture = cv2.imread(str(images[0])), cv2.imread(str(pictures[0]))
    height, width = image.shape[:2]
    assert picture.shape == (height, 3 * width, 3)
    for panel in range(3):
        assert not np.array_equal(picture[:, panel * width:(panel + 1) * width], image)


def test_a_visualizer_that_cannot_draw_people_is_a_one_line_error(trained_run, tmp_path, capsys):
    assert main(['test', str(trained_run.config), str(trained_run.work_dir / 'epoch_2.pth'), '--work-dir',
                 str(tmp_path), '--cfg-options', 'visualizer.type=Visualizer']) == 2
    error = capsys.readouterr().err
    assert error.count('\n') == 1 and "visualizer=dict(type='higherhrnet.PoseVisualizer'" in error


@pytest.mark.parametrize('interval', [0, 1.5, True])
def test_interval_must_be_a_whole_number(interval):
    from higherhrnet.model_def.engine import PoseVisualizationHook

    with pytest.raises(ValueError, match='interval must be a whole number'):
        PoseVisualizationHook(interval=interval)
