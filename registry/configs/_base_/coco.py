# COCO: 17 joints, the data and the metric. The keypoint set is the dataset-info file
# _base_/datasets/coco.py (mmpose's format), named by the model and by every dataset.
_base_ = ['./higherhrnet.py', './runtime.py']

model = dict(
    head=dict(num_joints=17),
    # the keypoint set: names, flip pairs (swap), skeleton, OKS sigmas, the grouping's joint order
    metainfo=dict(from_file='configs/_base_/datasets/coco.py'),
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
        metainfo=dict(from_file='configs/_base_/datasets/coco.py'),
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
        metainfo=dict(from_file='configs/_base_/datasets/coco.py'),
        data_prefix=dict(img='images/val2017/'),
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='higherhrnet.CocoKeypointAP', dataset='coco',
                     ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
