"""``higherhrnet train`` through mmengine's Runner on a tiny drawn dataset: logs, checkpoints, resuming,
and checkpoints every tool of the project loads."""
import importlib.util
import json
import re
import shutil

import cv2
import torch

from conftest import torch_on_one_thread
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


def test_losses_are_logged_with_three_significant_digits(trained_run):
    # the push term is ~5e-4 here: 4 decimals would show 0.0005, hiding its movement
    for term in LOSS_TERMS:
        assert re.search(rf'  {term}: \d\.\d\de[-+]\d\d', trained_run.log), term


def _config_with_missing_imagenet_file(trained_run, folder):
    """The tiny config with its backbone starting, as the shipped configs, from an ImageNet file (absent here)."""
    config = folder / 'tiny_imagenet_backbone.py'
    config.write_text(f'_base_ = [{str(trained_run.config)!r}]\n'
                      f"model = dict(backbone=dict(init_cfg=dict(_delete_=True, type='Pretrained', "
                      f"checkpoint={str(folder / 'weights' / 'hrnet_w32-36af842e.pth')!r})))\n")
    return config


def test_a_missing_imagenet_file_says_where_it_is_published_and_how_to_go_without(trained_run, tmp_path, capsys):
    config = _config_with_missing_imagenet_file(trained_run, tmp_path)
    assert main(['train', str(config), '--work-dir', str(tmp_path / 'work_dir')]) == 2
    error = capsys.readouterr().err
    assert error.count('\n') == 1 and 'hrnet_w32-36af842e.pth can not be found' in error
    assert '--from-scratch' in error and 'https://github.com/HRNet/HRNet-Image-Classification' in error


def test_resume_and_load_from_need_no_imagenet_file(trained_run, tmp_path):
    config = _config_with_missing_imagenet_file(trained_run, tmp_path)
    resumed = tmp_path / 'resumed'
    assert main(['train', str(config), '--work-dir', str(resumed), '--resume',
                 str(trained_run.work_dir / 'epoch_1.pth')]) == 0
    (log,) = resumed.glob('*/*.log')
    assert 'backbone: init_cfg Pretrained ' in log.read_text() and 'not read: the weights of ' in log.read_text()
    assert load_checkpoint_file(resumed / 'epoch_2.pth')['meta']['iter'] == 4
    loaded = tmp_path / 'loaded'
    assert main(['train', str(config), '--work-dir', str(loaded), '--cfg-options',
                 f'load_from={trained_run.work_dir / "epoch_2.pth"}', 'train_cfg.max_epochs=1',
                 'train_cfg.val_interval=1']) == 0


def test_from_scratch_with_threads_and_warnings_for_a_schedule_that_does_not_fit(trained_run, tmp_path, capsys):
    config = _config_with_missing_imagenet_file(trained_run, tmp_path)
    # batch 4 of the 4 images: 1 iteration per epoch, so a checkpoint every epoch is one every iteration
    work_dir = tmp_path / 'scratch'
    with torch_on_one_thread():  # restores the threads of the test process, which --threads sets for good
        assert main(['train', str(config), '--from-scratch', '--threads', '1', '--work-dir', str(work_dir),
                     '--cfg-options', 'train_dataloader.batch_size=4', 'train_cfg.max_epochs=11',
                     'train_cfg.val_interval=11']) == 0
    out = capsys.readouterr().out
    assert 'training with 1 intra-op thread(s) per process (set by --threads)' in out
    assert "--from-scratch: model.backbone.init_cfg {'type': 'Pretrained'" in out
    (log,) = work_dir.glob('*/*.log')
    warnings = [line for line in log.read_text().splitlines() if ' - WARNING - ' in line]
    assert any('a checkpoint every 1 epoch(s) = every 1 iteration(s) (11 times in 11 epochs of 1 iteration(s)): '
               'to do it every 100+ iterations set --cfg-options default_hooks.checkpoint.interval=11' in line
               for line in warnings), warnings
    assert any('lr milestones [200, 260] (epochs) are not before the end of training (max_epochs 11)' in line
               for line in warnings)
    assert not any('validation every' in line for line in warnings)  # once in the run: fits


def test_a_checkpoint_of_another_width_is_refused_naming_the_config_that_fits(trained_run, tmp_path, capsys):
    from conftest import load_detweights, reference_path

    keys = json.loads(reference_path('keys_coco_w32_512.json').read_text())
    checkpoint = tmp_path / 'w32.pth'
    torch.save(load_detweights().make_state_dict(keys), checkpoint)
    assert main(['train', str(trained_run.config), '--work-dir', str(tmp_path / 'w'),
                 '--cfg-options', f'load_from={checkpoint}']) == 2
    error = capsys.readouterr().err
    assert error.count('\n') == 1
    assert (f'load_from {checkpoint} does not fit the config (width 8, 17 joints): these weights are width 32 '
            'with 17 joints: use higherhrnet_w32_coco_512.py or higherhrnet_w32_coco_640.py') in error
