# HigherHRNet-W32 on CrowdPose, input size 512: official experiments/crowd_pose/higher_hrnet/w32_512_adam_lr1e-3.yaml.
_base_ = ['./_base_/crowdpose.py']

model = dict(
    backbone=dict(width=32),
    head=dict(in_channels=32),
    test_cfg=dict(input_size=512),
)
