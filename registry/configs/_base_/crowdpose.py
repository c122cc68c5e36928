# CrowdPose: 14 joints (no face points; head top and neck last), the data and the metric. Skeleton pairs
# are 0-based joint indices; joint_order is the first 14 entries of the official COCO visiting order.
_base_ = ['./higherhrnet.py', './runtime.py']

model = dict(
    head=dict(num_joints=14),
    dataset_meta=dict(
        dataset_name='crowdpose',
        keypoint_names=[
            'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
            'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle', 'head', 'neck'
        ],
        flip_index=[1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 12, 13],
        skeleton=[[10, 8], [8, 6], [11, 9], [9, 7], [6, 7], [0, 6], [1, 7], [0, 1], [0, 2], [1, 3], [2, 4],
                  [3, 5], [12, 13], [1, 13], [0, 13]],
        joint_order=[0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13],
    ),
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
