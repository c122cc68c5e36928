# HigherHRNet network and the official test settings (experiments/*/higher_hrnet/*.yaml, TEST block,
# official names in lower case). Variants set the width, the joints, the dataset and input_size.
custom_imports = dict(imports=['higherhrnet.registry', 'higherhrnet.model_def'], allow_failed_imports=False)

model = dict(
    type='higherhrnet.HigherHRNet',
    backbone=dict(type='HRNet', width=32),
    head=dict(type='HigherHRNetHead', in_channels=32, num_joints=17),
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
