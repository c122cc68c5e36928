"""``PoseVisualizationHook``: pictures of the predicted people of validation and test images, through the
Runner's visualizer (``vis_data/`` in the work dir, TensorBoard), and optionally into a folder."""
from pathlib import Path

import cv2
import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from higherhrnet.registry import HOOKS

from ...visualization.pose_visualizer import PoseVisualizer


def _rgb_image(inputs, data_sample, index):
    """The original image of a sample as H x W x 3 uint8 RGB: the batch's input (the test pipeline keeps
    the original image) or, where the input is something else, the file at ``img_path``."""
    image = inputs[index] if isinstance(inputs, (list, tuple)) or torch.is_tensor(inputs) else None
    if torch.is_tensor(image) and image.dtype == torch.uint8 and image.ndim == 3 and image.shape[0] == 3:
        return np.ascontiguousarray(image.permute(1, 2, 0).cpu().numpy())
    path = data_sample.metainfo.get('img_path')
    bgr = None if path is None else cv2.imread(str(path), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if bgr is None:
        raise ValueError(f'PoseVisualizationHook: sample {index} has no uint8 image input and no readable img_path '
                         f'({path})')
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@HOOKS.register_module()
class PoseVisualizationHook(Hook):
    """Draws every ``interval``-th image of each validation and test run with its predicted people.

    The picture (``PoseVisualizer.pose_picture``: the people with the keypoint set's skeleton and colours;
    with ``show_heatmaps`` the heatmaps and the tag map beside them) goes to the visualizer's backends as
    ``val_<image name>`` / ``test_<image name>`` at the training iteration, so TensorBoard shows each image
    improving over the run and ``LocalVisBackend`` writes ``vis_data/vis_image/val_<name>_<iter>.png``.
    With ``out_dir`` the pictures of the test run are also written there under the images' file names
    (``higherhrnet test --show-dir``), by every process for its own images.

    Args:
        enable: draw at all.
        interval: draw the images 0, interval, 2 * interval, ... of each run, counted among a process's
            images: under DDP the main process's share in validation (only it writes to the backends),
            every process's own with ``out_dir``.
        show_heatmaps: also the maps, from one more network pass on each drawn image (the test loop's
            predictions carry only the people): about 1 / interval more network time.
        out_dir: folder for the test pictures (created); None: backends only.
    """

    priority = 'NORMAL'

    def __init__(self, enable=True, interval=50, show_heatmaps=False, out_dir=None):
        if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
            raise ValueError(f'PoseVisualizationHook: interval must be a whole number of at least 1, got {interval!r}')
        self.enable = enable
        self.interval = interval
        self.show_heatmaps = show_heatmaps
        self.out_dir = None if out_dir is None else Path(out_dir)
        self._seen = 0

    def before_run(self, runner):
        if self.enable and not isinstance(runner.visualizer, PoseVisualizer):
            raise ValueError('PoseVisualizationHook draws through higherhrnet.PoseVisualizer, the config has '
                             f"{type(runner.visualizer).__name__}: set visualizer=dict(type='higherhrnet.PoseVisualizer', "
                             'vis_backends=[...])')
        if self.enable and self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)

    def before_val_epoch(self, runner):
        self._seen = 0

    def before_test_epoch(self, runner):
        self._seen = 0

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._draw(runner, 'val', data_batch, outputs, out_dir=None)

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._draw(runner, 'test', data_batch, outputs, out_dir=self.out_dir)

    def _draw(self, runner, mode, data_batch, outputs, out_dir):
        if not self.enable or not outputs:
            return
        if out_dir is None and not is_main_process():
            return  # the backends write on the main process only: the others would draw for nothing
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        visualizer = runner.visualizer
        visualizer.dataset_meta = model.dataset_meta
        inputs = data_batch.get('inputs') if isinstance(data_batch, dict) else None
        for index, sample in enumerate(outputs):
            drawn, self._seen = self._seen % self.interval == 0, self._seen + 1
            if not drawn:
                continue
            image = _rgb_image(inputs, sample, index)
            path = Path(sample.metainfo.get('img_path', f'{mode}_{self._seen - 1}.png'))
            maps = self._maps(model, image) if self.show_heatmaps else None
            visualizer.add_datasample(f'{mode}_{path.stem}', image, sample, maps=maps, step=runner.iter,
                                      out_file=None if out_dir is None else out_dir / path.name)

    @staticmethod
    def _maps(model, image):
        """The aggregated heatmaps and tag maps of one RGB image, with the settings that place them."""
        from ...inference.estimator import PoseEstimator  # the test-time pipeline pulls in the grouping

        was_training = model.training  # the estimator switches the model to eval mode
        try:
            estimator = PoseEstimator(model, device=next(model.parameters()).device, return_heatmaps=True)
            result = estimator.predict(np.ascontiguousarray(image[..., ::-1]))
        finally:
            model.train(was_training)
        return dict(heatmaps=result['heatmaps'], tags=result['tags'], input_size=estimator.test_cfg['input_size'],
                    scale_factor=estimator.test_cfg['scale_factor'])
