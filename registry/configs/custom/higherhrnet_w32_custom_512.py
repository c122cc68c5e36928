# A keypoint set of your own (hands, animals, tools, a part with 7 corners...): HigherHRNet-W32 at input
# size 512, fine-tuned from the official COCO model. Copy this file, then set the four lines below:
#   - the dataset-info file of your keypoints, in mmpose's format (names, left/right swaps, skeleton,
#     OKS sigmas; see README "Your own keypoints"), and its keypoint count;
#   - your COCO-format annotation files and image folders.
# Everything else (augmentation, targets, loss, Adam at lr 1e-3, 300 epochs, test settings) is the
# official W32-512 training; override what you like (e.g. train_cfg.max_epochs) here or with
# `higherhrnet train ... --cfg-options`.
_base_ = ['../higherhrnet_w32_coco_512.py']

data_root = 'data/my_keypoints/'  # annotations/{train,val}.json, images/{train,val}/
metainfo = dict(from_file='data/my_keypoints/my_keypoints.py')  # a path, relative to this file or the current folder
num_joints = 7  # the keypoint count of that file

model = dict(
    metainfo=metainfo,
    head=dict(num_joints=num_joints),
    # The backbone starts from the official COCO model (`make weights` downloads it); its 17-joint heads
    # are left out and the new heads start from the official Normal(0, 0.001) initialisation. For the
    # ImageNet backbone instead: checkpoint='weights/hrnet_w32-36af842e.pth'; from scratch: init_cfg=None.
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='weights/pose_higher_hrnet_w32_512.pth')),
)
train_dataloader = dict(dataset=dict(metainfo=metainfo, data_root=data_root, ann_file='annotations/train.json',
                                     data_prefix=dict(img='images/train/')))
val_dataloader = dict(dataset=dict(metainfo=metainfo, data_root=data_root, ann_file='annotations/val.json',
                                   data_prefix=dict(img='images/val/')))
test_dataloader = val_dataloader
# pycocotools' keypoint AP with the OKS sigmas of your dataset-info file
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
