"""``higherhrnet train`` through mmengine's Runner on a tiny drawn dataset: logs, checkpoints, resuming,
and checkpoints every tool of the project loads."""
import importlib.util
import shutil

import cv2
import torch

from keypoint_testdata import draw_people, people_keypoints
from training_testdata import trained_run  # noqa: F401 (fixture)
from higherhrnet.cli.main import main
from higherhrnet.model_def import PoseEstimator
from higherhrnet.model_def.checkpoint import load_checkpoint_file

LOSS_TERMS = ('loss_heatmap_0', 'loss_heatmap_1', 'loss_push', 'loss_pull')


def test_train_logs_losses_with_eta_validates_and_keeps_the_best_checkpoint(trained_run):
    log = trained_run.log
    assert 'Epoch(train) [2][2/2]' in log and 'eta:' in log
    assert all(term in log for term in LOSS_TERMS)
    assert 'coco/AP' in log and 'Average Precision' in log  # validation after the last epoch, toolkit summary
    assert (trained_run.work_dir / 'epoch_1.pth').is_file() and (trained_run.work_dir / 'epoch_2.pth').is_file()
    assert len(list(trained_run.work_dir.glob('best_coco_AP_epoch_2.pth'))) == 1


def test_a_training_checkpoint_loads_without_pickled_code_into_the_tools(trained_run):
    path = trained_run.work_dir / 'epoch_2.pth'
    checkpoint = load_checkpoint_file(path)  # torch.load(weights_only=True)
    assert {'state_dict', 'meta', 'optimizer', 'message_hub'} <= set(checkpoint)
    assert checkpoint['meta']['iter'] == 4 and checkpoint['meta']['epoch'] == 2
    estimator = PoseEstimator.from_config(trained_run.config, path)
    for key, value in estimator.model.state_dict().items():
        assert torch.equal(value, checkpoint['state_dict'][key]), key
    image = draw_people(cv2.imread(str(next((trained_run.data_root / 'images' / 'val2017').glob('*.jpg')))),
                        people_keypoints('coco', [(30, 10, 50)]), 'coco')
    result = estimator.predict(image)
    assert result['keypoints'].shape[1:] == (17, 3)


def test_resume_continues_at_the_next_iteration_with_the_optimizer_state(trained_run, tmp_path):
    # from a named checkpoint (epoch 1 = iteration 2) into another work dir
    work_dir = tmp_path / 'resumed'
    assert main(['train', str(trained_run.config), '--work-dir', str(work_dir),
                 '--resume', str(trained_run.work_dir / 'epoch_1.pth')]) == 0
    (log,) = work_dir.glob('*/*.log')
    assert 'resumed epoch: 1, iter: 2' in log.read_text()
    resumed = load_checkpoint_file(work_dir / 'epoch_2.pth')
    assert resumed['meta']['iter'] == 4
    # Adam's step count went on from the checkpoint's 2, so its moments were restored too
    assert {int(state['step']) for state in resumed['optimizer']['state'].values()} == {4}

    # without a checkpoint: the latest of the work dir, here one more epoch than the run had; the
    # work dir was copied and its original is gone (last_checkpoint names the original's file)
    again = tmp_path / 'again'
    shutil.copytree(trained_run.work_dir, again)
    (again / 'last_checkpoint').write_text(str(tmp_path / 'gone' / 'epoch_2.pth'))
    assert main(['train', str(trained_run.config), '--work-dir', str(again), '--resume',
                 '--cfg-options', 'train_cfg.max_epochs=3', 'train_cfg.val_interval=3']) == 0
    assert load_checkpoint_file(again / 'epoch_3.pth')['meta']['iter'] == 6


def test_resume_without_a_checkpoint_in_the_work_dir_says_so_in_one_line(trained_run, tmp_path, capsys):
    assert main(['train', str(trained_run.config), '--work-dir', str(tmp_path / 'fresh'), '--resume']) == 2
    error = capsys.readouterr().err
    assert error.startswith('higherhrnet train: error: --resume: no checkpoint to resume from in ')
    assert error.count('\n') == 1


def test_options_needing_what_is_absent_are_refused_in_one_line(trained_run, capsys):
    if importlib.util.find_spec('tensorboard') is None:
        assert main(['train', str(trained_run.config), '--tensorboard']) == 2
        assert 'pip install tensorboard' in capsys.readouterr().err
    if not torch.cuda.is_available():
        assert main(['train', str(trained_run.config), '--amp']) == 2
        assert '--amp needs CUDA' in capsys.readouterr().err
        assert main(['train', str(trained_run.config), '--sync-bn']) == 2
        assert '--sync-bn needs GPUs' in capsys.readouterr().err
