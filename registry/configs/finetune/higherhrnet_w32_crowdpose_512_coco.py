# HigherHRNet-W32 on CrowdPose, input size 512, fine-tuned from the COCO model: official
# experiments/crowd_pose/higher_hrnet/w32_512_adam_lr1e-3_coco.yaml. Its MODEL.PRETRAINED is the COCO
# pose_higher_hrnet_w32_512.pth with PRETRAINED_LAYERS = the backbone's modules only, so the backbone
# starts from the COCO weights and the 14-joint heads are new. Everything else is the CrowdPose W32-512
# training. `make weights` downloads the COCO file into weights/.
_base_ = ['../higherhrnet_w32_crowdpose_512.py']

model = dict(backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='weights/pose_higher_hrnet_w32_512.pth')))
