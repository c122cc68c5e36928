"""weights_file: a training checkpoint reduced to its weights and meta; published under its hash."""
import hashlib

import torch

from higherhrnet.model_def.weights_file import is_weights_only, publish_weights, weights_only


def test_a_training_checkpoint_keeps_its_weights_and_meta_only():
    state_dict = {'backbone.conv1.weight': torch.ones(2, 3, 3, 3)}
    checkpoint = {'state_dict': state_dict, 'meta': {'epoch': 3, 'dataset_meta': {'num_keypoints': 17}},
                  'optimizer': {'state': {0: {'exp_avg': torch.zeros(2)}}}, 'message_hub': {}, 'param_schedulers': []}
    lean = weights_only(checkpoint)
    assert set(lean) == {'state_dict', 'meta'} and lean['state_dict'] is state_dict
    assert is_weights_only(lean) and not is_weights_only(checkpoint)
    assert weights_only(state_dict) is state_dict and is_weights_only(state_dict)  # an official bare file


def test_published_name_carries_the_first_8_hex_digits_of_its_sha256(tmp_path):
    source = tmp_path / 'epoch_3.pth'
    torch.save({'state_dict': {'w': torch.arange(4.0)}, 'optimizer': {}}, source)
    published = publish_weights(source, tmp_path / 'out' / 'my_model.pth')
    digest = hashlib.sha256(published.read_bytes()).hexdigest()[:8]
    assert published == tmp_path / 'out' / f'my_model-{digest}.pth'
    assert list(published.parent.iterdir()) == [published]
    assert set(torch.load(published, weights_only=True)) == {'state_dict'}
