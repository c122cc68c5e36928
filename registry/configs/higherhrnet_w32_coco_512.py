# HigherHRNet-W32 on COCO, input size 512: official experiments/coco/higher_hrnet/w32_512_adam_lr1e-3.yaml.
_base_ = ['./_base_/coco.py']

model = dict(
    backbone=dict(width=32),
    head=dict(in_channels=32),
    test_cfg=dict(input_size=512),
)

# Training: 512 x 512 crops, targets at 1/4 and 1/2 of the input (128, 256), 12 images per GPU.
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomUpRandomAffine', input_size=512, output_sizes=[128, 256], max_rotation=30, min_scale=0.75,
         max_scale=1.5, scale_type='short', max_translate=40),
    dict(type='BottomUpRandomFlip', prob=0.5),
    dict(type='GenerateBottomUpTargets', sigma=2, max_num_people=30),
    dict(type='PackBottomUpInputs'),
]
train_dataloader = dict(batch_size=12, dataset=dict(pipeline=train_pipeline))
