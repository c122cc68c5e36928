# A small fine-tune: the official COCO HigherHRNet-W32-512 (the whole network, heads included) trained
# on a handful of your own COCO-format images of people (the 17 COCO keypoints), e.g. 10-50 pictures of
# one camera's scene. Copy this file and set data_root; `make weights` downloads the checkpoint.
# Settings for a few iterations per epoch (see README "A small fine-tune"): a tenth of the official
# lr (the weights are trained already), 60 epochs with one lr drop, and a checkpoint and a validation
# every 20 epochs instead of every 1 / 10 (on 12 images an epoch is 3 iterations).
_base_ = ['../higherhrnet_w32_coco_512.py']

data_root = 'data/my_people/'  # annotations/{train,val}.json, images/{train,val}/

# The whole network starts from the checkpoint, so no ImageNet backbone is read.
load_from = 'weights/pose_higher_hrnet_w32_512.pth'
model = dict(backbone=dict(init_cfg=None))

train_dataloader = dict(batch_size=4, num_workers=2,
                        dataset=dict(data_root=data_root, ann_file='annotations/train.json',
                                     data_prefix=dict(img='images/train/')))
val_dataloader = dict(dataset=dict(data_root=data_root, ann_file='annotations/val.json',
                                   data_prefix=dict(img='images/val/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[45], gamma=0.1)]
train_cfg = dict(max_epochs=60, val_interval=20)
default_hooks = dict(checkpoint=dict(interval=20), logger=dict(interval=5))
