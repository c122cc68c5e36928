"""The template for a keypoint set of one's own (``registry/configs/custom/``): set the dataset-info file,
the joint count and the data, and nothing of COCO's is left; the backbone is fine-tuned from the COCO
model and the new heads start fresh."""
import torch
from mmengine.config import Config
from mmengine.registry import DATASETS, MODELS
from serving import write_tiny_model

from conftest import CONFIG_DIR
from keypoint_testdata import WIDGET_JOINTS, write_drawn_dataset, write_widget_info
from higherhrnet.model_def.checkpoint import load_checkpoint_file, to_model_state_dict

TEMPLATE = CONFIG_DIR / 'custom' / 'higherhrnet_w32_custom_512.py'


def _template(tmp_path):
    """The template as a user fills it in (here at width 8, with the widget and a tiny COCO model)."""
    _, coco_checkpoint = write_tiny_model(tmp_path / 'coco')
    meta_file = write_widget_info(tmp_path / 'widget.py')
    for split in ('train', 'val'):
        write_drawn_dataset(tmp_path / 'data', f'annotations/{split}.json', f'images/{split}', dataset='widget')
    cfg = Config.fromfile(str(TEMPLATE))
    metainfo = dict(from_file=str(meta_file))
    cfg.merge_from_dict({
        'model.metainfo': metainfo, 'model.head.num_joints': 7, 'model.backbone.width': 8,
        'model.head.in_channels': 8, 'model.backbone.init_cfg.checkpoint': str(coco_checkpoint),
        'train_dataloader.dataset.metainfo': metainfo, 'val_dataloader.dataset.metainfo': metainfo,
        'train_dataloader.dataset.data_root': str(tmp_path / 'data'),
        'val_dataloader.dataset.data_root': str(tmp_path / 'data')})
    return cfg, coco_checkpoint


def test_the_template_gets_exactly_the_new_keypoint_set(tmp_path):
    cfg, _ = _template(tmp_path)
    model = MODELS.build(cfg.model)
    for loader in ('train_dataloader', 'val_dataloader'):
        dataset = DATASETS.build(cfg[loader].dataset)
        assert dataset.metainfo == model.dataset_meta
        assert dataset.metainfo['keypoint_names'] == list(WIDGET_JOINTS) and len(dataset) == 4
    assert model.dataset_meta['sigmas'] == [0.05] * 7 and model.head.num_joints == 7


def test_fine_tuning_loads_the_coco_backbone_and_starts_the_heads_fresh(tmp_path):
    cfg, coco_checkpoint = _template(tmp_path)
    model = MODELS.build(cfg.model)
    model.init_weights()
    coco = to_model_state_dict(load_checkpoint_file(coco_checkpoint))
    ours = model.state_dict()
    backbone = [key for key in ours if key.startswith('backbone.')]
    assert backbone and all(torch.equal(ours[key], coco[key]) for key in backbone)
    final = ours['head.final_layers.0.weight']
    assert final.shape[0] == 2 * 7 and final.shape != coco['head.final_layers.0.weight'].shape
    assert 0 < final.std() < 0.002  # the official Normal(0, 0.001)
