# HigherHRNet-W48 on CrowdPose, input size 640: official experiments/crowd_pose/higher_hrnet/w48_640_adam_lr1e-3.yaml.
# An FP16 config: its released weights are in network_to_half's layout (keys under '1.', float16
# convolutions); they load as float32 and the network is tested in float32 here; it trains with AMP.
_base_ = ['./_base_/crowdpose.py']

model = dict(
    backbone=dict(width=48, init_cfg=dict(checkpoint='weights/hrnet_w48-8ef0771d.pth')),
    head=dict(in_channels=48),
    test_cfg=dict(input_size=640),
)

# Training: 640 x 640 crops, targets at 1/4 and 1/2 of the input (160, 320), 10 images per GPU.
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomUpRandomAffine', input_size=640, output_sizes=[160, 320], max_rotation=30, min_scale=0.75,
         max_scale=1.5, scale_type='short', max_translate=40),
    dict(type='BottomUpRandomFlip', prob=0.5),
    dict(type='GenerateBottomUpTargets', sigma=2, max_num_people=30),
    dict(type='PackBottomUpInputs'),
]
train_dataloader = dict(batch_size=10, dataset=dict(pipeline=train_pipeline))
auto_scale_lr = dict(base_batch_size=40)  # 4 GPUs x 10

# FP16 training (official FP16.ENABLED with DYNAMIC_LOSS_SCALE): mixed precision with a loss scale that
# starts at 2^32, halves on every overflow (that step is skipped) and doubles after 1000 clean steps.
optim_wrapper = dict(type='AmpOptimWrapper', loss_scale=dict(init_scale=2.0**32, growth_interval=1000))
