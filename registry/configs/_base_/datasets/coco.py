# COCO keypoints (17 joints) in mmpose 1.x's dataset-info format. Skeleton links name the joints; the
# dataset meta turns them into 0-based index pairs (the annotation file's pairs minus 1).
dataset_info = dict(
    dataset_name='coco',
    paper_info=dict(
        author='Lin, Tsung-Yi and others',
        title='Microsoft COCO: Common Objects in Context',
        container='ECCV',
        year='2014',
        homepage='http://cocodataset.org/',
    ),
    keypoint_info={
        0: dict(name='nose', id=0, color=[60, 140, 255], type='upper', swap=''),
        1: dict(name='left_eye', id=1, color=[0, 200, 80], type='upper', swap='right_eye'),
        2: dict(name='right_eye', id=2, color=[255, 120, 0], type='upper', swap='left_eye'),
        3: dict(name='left_ear', id=3, color=[0, 200, 80], type='upper', swap='right_ear'),
        4: dict(name='right_ear', id=4, color=[255, 120, 0], type='upper', swap='left_ear'),
        5: dict(name='left_shoulder', id=5, color=[0, 200, 80], type='upper', swap='right_shoulder'),
        6: dict(name='right_shoulder', id=6, color=[255, 120, 0], type='upper', swap='left_shoulder'),
        7: dict(name='left_elbow', id=7, color=[0, 200, 80], type='upper', swap='right_elbow'),
        8: dict(name='right_elbow', id=8, color=[255, 120, 0], type='upper', swap='left_elbow'),
        9: dict(name='left_wrist', id=9, color=[0, 200, 80], type='upper', swap='right_wrist'),
        10: dict(name='right_wrist', id=10, color=[255, 120, 0], type='upper', swap='left_wrist'),
        11: dict(name='left_hip', id=11, color=[0, 200, 80], type='lower', swap='right_hip'),
        12: dict(name='right_hip', id=12, color=[255, 120, 0], type='lower', swap='left_hip'),
        13: dict(name='left_knee', id=13, color=[0, 200, 80], type='lower', swap='right_knee'),
        14: dict(name='right_knee', id=14, color=[255, 120, 0], type='lower', swap='left_knee'),
        15: dict(name='left_ankle', id=15, color=[0, 200, 80], type='lower', swap='right_ankle'),
        16: dict(name='right_ankle', id=16, color=[255, 120, 0], type='lower', swap='left_ankle'),
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
        12: dict(link=('left_eye', 'right_eye'), id=12, color=[60, 140, 255]),
        13: dict(link=('nose', 'left_eye'), id=13, color=[60, 140, 255]),
        14: dict(link=('nose', 'right_eye'), id=14, color=[60, 140, 255]),
        15: dict(link=('left_eye', 'left_ear'), id=15, color=[0, 200, 80]),
        16: dict(link=('right_eye', 'right_ear'), id=16, color=[255, 120, 0]),
        17: dict(link=('left_ear', 'left_shoulder'), id=17, color=[0, 200, 80]),
        18: dict(link=('right_ear', 'right_shoulder'), id=18, color=[255, 120, 0]),
    },
    # the official HigherHRNet loss weighs every joint alike
    joint_weights=[1.0] * 17,
    # the evaluation toolkit's own values, written as it computes them (x / 10.0) so that OKS is
    # bit-identical to the toolkit's
    sigmas=[
        .26 / 10.0, .25 / 10.0, .25 / 10.0, .35 / 10.0, .35 / 10.0, .79 / 10.0, .79 / 10.0, .72 / 10.0, .72 / 10.0, .62 / 10.0, .62 / 10.0,
        1.07 / 10.0, 1.07 / 10.0, .87 / 10.0, .87 / 10.0, .89 / 10.0, .89 / 10.0
    ],
    # ours (mmpose ignores it): the official grouping's visiting order, head first, then shoulders
    # and hips before elbows (the torso fixes the person)
    joint_order=[0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16],
)
