"""Two training processes on the CPU (torchrun, gloo, DDP): they finish, write one checkpoint and log the
losses as means over both, and two test processes draw every test image (each its own half) with --show-dir.
The config is a 640 one, whose mixed precision needs CUDA: on the CPU it trains in float32."""
import os
import re
import subprocess
import sys

from conftest import REPO_ROOT
from higherhrnet.model_def.checkpoint import load_checkpoint_file
from training_testdata import write_tiny_training_config


def failure(completed):
    """What a failed torchrun said: every line naming an error (any rank's, wherever it is in the
    output), then the end of its output."""
    lines = [line for line in completed.stderr.splitlines()
             if re.search(r'Error|Traceback|terminate|Signal|error', line) and 'Warning' not in line]
    return '\n'.join(lines[:40]) + '\n...\n' + completed.stderr[-2000:]


def test_two_processes_train_validate_and_checkpoint(tmp_path):
    # 4 images, 2 per process: one iteration per epoch, each process on half of the images
    config = write_tiny_training_config(tmp_path, max_epochs=1, base_config='higherhrnet_w32_coco_640')
    work_dir = tmp_path / 'work_dir'
    environment = dict(os.environ, OMP_NUM_THREADS='1')
    completed = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', '2',
         '-m', 'higherhrnet.cli.main', 'train', str(config), '--launcher', 'pytorch', '--work-dir', str(work_dir)],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, failure(completed)
    assert 'this AMP config trains in float32' in completed.stdout + completed.stderr
    (log,) = work_dir.glob('*/*.log')  # rank 0 writes the log
    text = log.read_text()
    assert 'Distributed training: True' in text and 'Epoch(train) [1][1/1]' in text
    assert 'coco/AP' in text  # validation over both processes' halves, scored once
    # the logged loss terms are means over the two processes (tests/model_def/pose_estimators/
    # test_mean_over_processes.py checks the values), with 3 significant digits
    assert 'losses in the log are means over 2 processes' in text
    assert re.search(r'  loss_push: \d\.\d\de[-+]\d\d', text)
    checkpoint = load_checkpoint_file(work_dir / 'epoch_1.pth')
    assert checkpoint['meta']['iter'] == 1
    assert not any(key.startswith('module.') for key in checkpoint['state_dict'])

    # every process draws its own test images into the one folder (the keypoint set known on each)
    show_dir = tmp_path / 'shown'
    completed = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', '2',
         '-m', 'higherhrnet.cli.main', 'test', str(config), str(work_dir / 'epoch_1.pth'), '--launcher', 'pytorch',
         '--work-dir', str(tmp_path / 'test_dir'), '--show-dir', str(show_dir)],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, failure(completed)
    images = sorted((tmp_path / 'data' / 'images' / 'val2017').glob('*.jpg'))
    assert sorted(p.name for p in show_dir.iterdir()) == [image.name for image in images]
