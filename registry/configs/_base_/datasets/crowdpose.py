# CrowdPose keypoints (14 joints: no face points; head top and neck last) in mmpose 1.x's dataset-info
# format. The OKS sigmas are the CrowdPose toolkit's (COCO's for the 12 limb joints, then head top and neck).
dataset_info = dict(
    dataset_name='crowdpose',
    paper_info=dict(
        author='Li, Jiefeng and others',
        title='CrowdPose: Efficient Crowded Scenes Pose Estimation and A New Benchmark',
        container='CVPR',
        year='2019',
        homepage='https://github.com/Jeff-sjtu/CrowdPose',
    ),
    keypoint_info={
        0: dict(name='left_shoulder', id=0, color=[0, 200, 80], type='upper', swap='right_shoulder'),
        1: dict(name='right_shoulder', id=1, color=[255, 120, 0], type='upper', swap='left_shoulder'),
        2: dict(name='left_elbow', id=2, color=[0, 200, 80], type='upper', swap='right_elbow'),
        3: dict(name='right_elbow', id=3, color=[255, 120, 0], type='upper', swap='left_elbow'),
        4: dict(name='left_wrist', id=4, color=[0, 200, 80], type='upper', swap='right_wrist'),
        5: dict(name='right_wrist', id=5, color=[255, 120, 0], type='upper', swap='left_wrist'),
        6: dict(name='left_hip', id=6, color=[0, 200, 80], type='lower', swap='right_hip'),
        7: dict(name='right_hip', id=7, color=[255, 120, 0], type='lower', swap='left_hip'),
        8: dict(name='left_knee', id=8, color=[0, 200, 80], type='lower', swap='right_knee'),
        9: dict(name='right_knee', id=9, color=[255, 120, 0], type='lower', swap='left_knee'),
        10: dict(name='left_ankle', id=10, color=[0, 200, 80], type='lower', swap='right_ankle'),
        11: dict(name='right_ankle', id=11, color=[255, 120, 0], type='lower', swap='left_ankle'),
        12: dict(name='head', id=12, color=[60, 140, 255], type='upper', swap=''),
        13: dict(name='neck', id=13, color=[60, 140, 255], type='upper', swap=''),
    },
    skeleton_info={
        0: dict(link=('left_ankle', 'left_knee'), id=0, color=[0, 200, 80]),
        1: dict(link=('left_knee', 'left_hip'), id=1, color=[0, 200, 80]),
        2: dict(link=('right_ankle', 'right_knee'), id=2, color=[255, 120, 0]),
        3: dict(link=('right_knee', 'right_hip'), id=3, color=[255, 120, 0]),
        4: dict(link=('left_hip', 'right_hip'), id=4, color=[60, 140, 255]),
        5: dict(link=('left_shoulder', 'left_hip'), id=5, color=[0, 200, 80]),
        6: dict(link=('right_shoulder', 'right_hip'), id=6, color=[255, 120, 0]),
        7: dict(link=('left_shoulder', 'right_shoulder'), id=7, color=[60, 140, 255]),
        8: dict(link=('left_shoulder', 'left_elbow'), id=8, color=[0, 200, 80]),
        9: dict(link=('right_shoulder', 'right_elbow'), id=9, color=[255, 120, 0]),
        10: dict(link=('left_elbow', 'left_wrist'), id=10, color=[0, 200, 80]),
        11: dict(link=('right_elbow', 'right_wrist'), id=11, color=[255, 120, 0]),
        12: dict(link=('head', 'neck'), id=12, color=[60, 140, 255]),
        13: dict(link=('right_shoulder', 'neck'), id=13, color=[60, 140, 255]),
        14: dict(link=('left_shoulder', 'neck'), id=14, color=[60, 140, 255]),
    },
    # the official HigherHRNet loss weighs every joint alike
    joint_weights=[1.0] * 14,
    # the evaluation toolkit's own values, written as it computes them (x / 10.0) so that OKS is
    # bit-identical to the toolkit's
    sigmas=[
        .79 / 10.0, .79 / 10.0, .72 / 10.0, .72 / 10.0, .62 / 10.0, .62 / 10.0,
        1.07 / 10.0, 1.07 / 10.0, .87 / 10.0, .87 / 10.0, .89 / 10.0, .89 / 10.0, .79 / 10.0, .79 / 10.0
    ],
    # ours (mmpose ignores it): the official grouping's visiting order, which for CrowdPose is the first
    # 14 entries of the COCO order (official quirk: hips, indices 6 and 7 here, come late)
    joint_order=[0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13],
)
