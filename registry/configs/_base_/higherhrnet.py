# HigherHRNet network, its input normalisation, its loss and the official test settings
# (experiments/*/higher_hrnet/*.yaml, TEST block, official names in lower case). Variants set the
# width, the joints, the dataset and input_size.
custom_imports = dict(imports=['higherhrnet.registry', 'higherhrnet.model_def'], allow_failed_imports=False)

model = dict(
    type='higherhrnet.HigherHRNet',
    # Training starts, as officially, from the ImageNet HRNet (MODEL.PRETRAINED): init_weights() loads
    # the backbone names of that file (the classification head is listed as unexpected in the log)
    # after the official Normal(0, 0.001) / BatchNorm 1, 0 initialisation of everything (the model's
    # default init_cfg). The file is read only by init_weights(), i.e. by Runner.train(), and not when
    # the run loads or resumes a checkpoint (CheckpointOverPretrainedHook); set init_cfg=None here (or
    # `higherhrnet train --from-scratch`) to train from scratch. The official CrowdPose fine-tuning from COCO
    # (crowd_pose/w32_512_coco) is checkpoint='weights/pose_higher_hrnet_w32_512.pth': its backbone
    # loads, its 17-joint heads are left out.
    backbone=dict(type='HRNet', width=32,
                  init_cfg=dict(type='Pretrained', checkpoint='weights/hrnet_w32-36af842e.pth')),
    head=dict(type='HigherHRNetHead', in_channels=32, num_joints=17),
    # Training batches: uint8 RGB -> float32 normalised with the ImageNet mean and std (torchvision's
    # ToTensor + Normalize, as the official code); test images pass through to the test-time pipeline.
    # Scoped name: BaseModel builds it from mmengine's root registry, also outside a Runner.
    data_preprocessor=dict(type='higherhrnet.BottomUpDataPreprocessor', mean=(0.485, 0.456, 0.406),
                           std=(0.229, 0.224, 0.225)),
    # The official LOSS block: heatmap loss at both resolutions, associative embedding ('exp') at 1/4.
    loss=dict(
        type='HigherHRNetLoss',
        heatmap_loss_factors=(1.0, 1.0),
        with_ae_loss=(True, False),
        push_loss_factors=(0.001, 0.001),
        pull_loss_factors=(0.001, 0.001),
        ae_loss_type='exp',
    ),
    test_cfg=dict(
        flip_test=True,
        scale_factor=[1],
        project2image=True,
        adjust=True,
        refine=True,
        detection_threshold=0.1,
        tag_threshold=1.0,
        max_num_people=30,
        use_detection_val=True,
        ignore_too_much=False,
        nms_kernel=5,
        nms_padding=2,
        input_size=512,
    ),
)
