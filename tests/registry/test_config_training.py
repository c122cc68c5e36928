"""A CrowdPose config trains and tests through mmengine's Runner (COCO runs through the command's tests)."""
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import torch_on_one_thread
from higherhrnet.model_def.evaluation.keypoint_ap import STATS_NAMES
from training_testdata import write_tiny_training_config


def test_crowdpose_runner_trains_then_tests_with_the_crowdpose_metric(tmp_path):
    cfg = Config.fromfile(write_tiny_training_config(tmp_path, dataset='crowdpose', max_epochs=1))
    cfg.work_dir = str(tmp_path / 'work_dir')
    with torch_on_one_thread():
        runner = Runner.from_cfg(cfg)
        runner.train()
        metrics = runner.test()
    assert runner.iter == 2
    assert list(metrics) == [f'crowdpose/{name}' for name in STATS_NAMES['crowdpose']]
    assert all(0.0 <= value <= 1.0 or value == -1.0 for value in metrics.values())
