"""The documented small fine-tune (registry/configs/finetune/higherhrnet_w32_coco_512_few_images.py) on the
synthetic people of ../shared/reference/train_targets.npz, from a detweights "COCO checkpoint" standing in for
the official one: it runs as documented, the loss falls, validation runs, no ImageNet file is read."""
import json

import cv2
import numpy as np
import torch

from conftest import CONFIG_DIR, load_detweights, reference_path, torch_on_one_thread
from higherhrnet.cli.main import main

FINETUNE = CONFIG_DIR / 'finetune' / 'higherhrnet_w32_coco_512_few_images.py'
# The test's budget, not the fine-tune's settings: input 256 instead of 512, 3 epochs.
SMALL_INPUT = 256


def write_people(golden, data_root):
    """The golden's synthetic images and their COCO annotations in the config's layout (train = val)."""
    annotations = str(golden['synthetic_annotations_json'])
    for split in ('train', 'val'):
        (data_root / 'images' / split).mkdir(parents=True)
        (data_root / 'annotations').mkdir(exist_ok=True)
        (data_root / 'annotations' / f'{split}.json').write_text(annotations)
        for image in json.loads(annotations)['images']:
            rgb = golden[f'synth_source__{image["file_name"].rsplit(".", 1)[0]}__image']
            assert cv2.imwrite(str(data_root / 'images' / split / image['file_name']),
                               cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def train_losses(work_dir):
    (scalars,) = work_dir.glob('*/vis_data/scalars.json')
    return [json.loads(line)['loss'] for line in scalars.read_text().splitlines() if 'loss' in line]


def test_the_documented_fine_tune_runs_and_its_loss_falls(tmp_path, monkeypatch):
    golden = np.load(reference_path('train_targets.npz'))
    monkeypatch.chdir(tmp_path)  # the config's relative data_root and load_from, as a user runs it
    write_people(golden, tmp_path / 'data' / 'my_people')
    keys = json.loads(reference_path('keys_coco_w32_512.json').read_text())
    (tmp_path / 'weights').mkdir()
    torch.save(load_detweights().make_state_dict(keys), tmp_path / 'weights' / 'pose_higher_hrnet_w32_512.pth')
    assert not (tmp_path / 'weights' / 'hrnet_w32-36af842e.pth').exists()
    with torch_on_one_thread():
        assert main(['train', str(FINETUNE), '--work-dir', 'work_dir', '--cfg-options',
                     f'train_dataloader.dataset.pipeline.1.input_size={SMALL_INPUT}',
                     f'train_dataloader.dataset.pipeline.1.output_sizes=[{SMALL_INPUT // 4},{SMALL_INPUT // 2}]',
                     f'model.test_cfg.input_size={SMALL_INPUT}', 'model.test_cfg.flip_test=False',
                     'train_cfg.max_epochs=3', 'randomness.seed=0']) == 0
    work_dir = tmp_path / 'work_dir'
    (log,) = work_dir.glob('*/*.log')
    text = log.read_text()
    assert 'Load checkpoint from weights/pose_higher_hrnet_w32_512.pth' in text
    assert 'coco/AP' in text  # validated after the last epoch
    losses = train_losses(work_dir)
    # one log line per epoch of 3 iterations (9 images, batch 4), each the mean since the start
    assert len(losses) == 3 and losses[0] > losses[1] > losses[2], losses
    assert losses[-1] < 0.9 * losses[0], losses
    # the test's 3 epochs end before the config's lr milestone: said in one line
    assert 'lr milestones [45] (epochs) are not before the end of training (max_epochs 3)' in text
    assert (work_dir / 'epoch_3.pth').is_file() and not (work_dir / 'epoch_1.pth').exists()
