# HigherHRNet-W48 on CrowdPose, input size 640: official experiments/crowd_pose/higher_hrnet/w48_640_adam_lr1e-3.yaml.
# An FP16 config: its released weights are in network_to_half's layout (keys under '1.', float16
# convolutions); they load as float32 and the network runs in float32 here.
_base_ = ['./_base_/crowdpose.py']

model = dict(
    backbone=dict(width=48, init_cfg=dict(checkpoint='weights/hrnet_w48-8ef0771d.pth')),
    head=dict(in_channels=48),
    test_cfg=dict(input_size=640),
)
