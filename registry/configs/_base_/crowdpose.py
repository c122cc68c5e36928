# CrowdPose: 14 joints (no face points; head top and neck last), the data and the metric. The keypoint set is the dataset-info file
# _base_/datasets/crowdpose.py (mmpose's format), named by the model and by every dataset.
_base_ = ['./higherhrnet.py', './runtime.py']

model = dict(
    head=dict(num_joints=14),
    # the keypoint set: names, flip pairs (swap), skeleton, OKS sigmas, the grouping's joint order
    metainfo=dict(from_file='configs/_base_/datasets/crowdpose.py'),
)

# Data (official DATASET block): CrowdPose trainval to train, test to validate and test (the CrowdPose
# toolkit's metric, AP easy / medium / hard); no ignore mask (the official CrowdPose loader has none).
# data/crowdpose/json/crowdpose_{trainval,test}.json (trainval = train + val merged), data/crowdpose/images/.
# Variant files add the training pipeline (it depends on the input size).
data_root = 'data/crowdpose/'
train_dataloader = dict(
    batch_size=12,  # IMAGES_PER_GPU: images per process
    num_workers=4,  # WORKERS
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='higherhrnet.BottomUpCrowdPoseDataset',
        data_root=data_root,
        ann_file='json/crowdpose_trainval.json',
        metainfo=dict(from_file='configs/_base_/datasets/crowdpose.py'),
        data_prefix=dict(img='images/'),
    ),
)
test_pipeline = [dict(type='LoadImage'), dict(type='PackBottomUpInputs')]
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='higherhrnet.BottomUpCrowdPoseDataset',
        data_root=data_root,
        ann_file='json/crowdpose_test.json',
        metainfo=dict(from_file='configs/_base_/datasets/crowdpose.py'),
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='higherhrnet.CocoKeypointAP', dataset='crowdpose',
                     ann_file=data_root + 'json/crowdpose_test.json')
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='crowdpose/AP'))
