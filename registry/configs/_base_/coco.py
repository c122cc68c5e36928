# COCO: 17 joints, the data and the metric. Skeleton pairs are 0-based joint indices (the COCO annotation
# file's pairs minus 1); joint_order is the official grouping's visiting order (hips before elbows).
_base_ = ['./higherhrnet.py', './runtime.py']

model = dict(
    head=dict(num_joints=17),
    dataset_meta=dict(
        dataset_name='coco',
        keypoint_names=[
            'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder',
            'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
            'right_knee', 'left_ankle', 'right_ankle'
        ],
        flip_index=[0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15],
        skeleton=[[15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7], [6, 8],
                  [7, 9], [8, 10], [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6]],
        joint_order=[0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16],
    ),
)

# Data (official DATASET block): COCO train2017 to train; val2017 to validate and test, every image
# in the annotation file's order, at its original size (the test-time resizing is the model's).
# data/coco/annotations/person_keypoints_{train,val}2017.json, data/coco/images/{train,val}2017/.
# Variant files add the training pipeline (it depends on the input size).
data_root = 'data/coco/'
train_dataloader = dict(
    batch_size=12,  # IMAGES_PER_GPU: images per process
    num_workers=4,  # WORKERS
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='higherhrnet.BottomUpCocoDataset',
        data_root=data_root,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='images/train2017/'),
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
        type='higherhrnet.BottomUpCocoDataset',
        data_root=data_root,
        ann_file='annotations/person_keypoints_val2017.json',
        data_prefix=dict(img='images/val2017/'),
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='higherhrnet.CocoKeypointAP', dataset='coco',
                     ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
