"""drop_pretrained_init: the Pretrained entries of a model's init_cfgs go, the others stay."""
from higherhrnet.model_def import HigherHRNet
from higherhrnet.model_def.engine.hooks.checkpoint_over_pretrained_hook import drop_pretrained_init
from higherhrnet.model_def.pose_estimators.higherhrnet import OFFICIAL_INIT_CFG


def test_only_the_pretrained_entries_are_dropped():
    pretrained = dict(type='Pretrained', checkpoint='weights/hrnet_w32-36af842e.pth')
    model = HigherHRNet(backbone=dict(type='HRNet', width=8, init_cfg=pretrained),
                        head=dict(type='HigherHRNetHead', in_channels=8, num_joints=17),
                        metainfo=dict(from_file='higherhrnet::_base_/datasets/coco.py'),
                        init_cfg=OFFICIAL_INIT_CFG + [pretrained])
    assert drop_pretrained_init(model) == [('model', pretrained['checkpoint']), ('backbone', pretrained['checkpoint'])]
    assert model.backbone.init_cfg is None and model.init_cfg == OFFICIAL_INIT_CFG
    assert drop_pretrained_init(model) == []
