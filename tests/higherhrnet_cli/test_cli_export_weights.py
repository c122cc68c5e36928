"""``higherhrnet export --format weights``: a training checkpoint stripped to its weights, named by its hash
(mmpose's publish_model)."""
import hashlib
from pathlib import Path

import torch

from training_testdata import trained_run  # noqa: F401 (fixture)
from higherhrnet.cli.main import main
from higherhrnet.model_def import PoseEstimator


def test_export_weights_strips_a_training_checkpoint_to_a_hash_named_weights_file(tmp_path, trained_run, capsys):
    checkpoint = trained_run.work_dir / 'epoch_2.pth'
    assert main(['export', '--format', 'weights', '--checkpoint', str(checkpoint),
                 '--output', str(tmp_path / 'tiny_coco.pth')]) == 0
    published = Path(capsys.readouterr().out.strip())
    digest = hashlib.sha256(published.read_bytes()).hexdigest()
    assert published == tmp_path / f'tiny_coco-{digest[:8]}.pth'
    weights = torch.load(published, weights_only=True)
    assert set(weights) == {'state_dict', 'meta'}  # no optimizer, message_hub, param_schedulers
    assert published.stat().st_size < 0.5 * checkpoint.stat().st_size
    estimator = PoseEstimator.from_config(trained_run.config, published)
    trained = torch.load(checkpoint, weights_only=True)['state_dict']
    assert all(torch.equal(value, trained[key]) for key, value in estimator.model.state_dict().items())


def test_export_weights_without_a_checkpoint_says_so_in_one_line(tmp_path, capsys):
    assert main(['export', '--format', 'weights', '--output', str(tmp_path / 'w.pth')]) == 2
    error = capsys.readouterr().err
    assert error == 'higherhrnet export: error: --format weights needs --checkpoint: the training checkpoint to strip\n'
