# A stick figure (9 joints), the keypoint set of bench/learn.py's synthetic data, in mmpose 1.x's
# dataset-info format. "Left" is the figure's own left, drawn on the image's right when it stands
# upright facing the viewer (as COCO's people), so a mirrored image swaps the left and right labels.
# The OKS sigmas follow COCO's for the nearest body part (shoulders for head and neck, wrists for
# hands, hips, knees, ankles for feet).
dataset_info = dict(
    dataset_name='stick_figure',
    paper_info=dict(
        author='higherhrnet-serve',
        title='Synthetic stick figures on textured backgrounds (bench/synthetic_figures.py)',
        container='bench/learn.py',
        year='2026',
        homepage='',
    ),
    keypoint_info={
        0: dict(name='head', id=0, color=[60, 140, 255], type='upper', swap=''),
        1: dict(name='neck', id=1, color=[60, 140, 255], type='upper', swap=''),
        2: dict(name='left_hand', id=2, color=[0, 200, 80], type='upper', swap='right_hand'),
        3: dict(name='right_hand', id=3, color=[255, 120, 0], type='upper', swap='left_hand'),
        4: dict(name='hip', id=4, color=[60, 140, 255], type='lower', swap=''),
        5: dict(name='left_knee', id=5, color=[0, 200, 80], type='lower', swap='right_knee'),
        6: dict(name='right_knee', id=6, color=[255, 120, 0], type='lower', swap='left_knee'),
        7: dict(name='left_foot', id=7, color=[0, 200, 80], type='lower', swap='right_foot'),
        8: dict(name='right_foot', id=8, color=[255, 120, 0], type='lower', swap='left_foot'),
    },
    skeleton_info={
        0: dict(link=('head', 'neck'), id=0, color=[60, 140, 255]),
        1: dict(link=('neck', 'left_hand'), id=1, color=[0, 200, 80]),
        2: dict(link=('neck', 'right_hand'), id=2, color=[255, 120, 0]),
        3: dict(link=('neck', 'hip'), id=3, color=[60, 140, 255]),
        4: dict(link=('hip', 'left_knee'), id=4, color=[0, 200, 80]),
        5: dict(link=('left_knee', 'left_foot'), id=5, color=[0, 200, 80]),
        6: dict(link=('hip', 'right_knee'), id=6, color=[255, 120, 0]),
        7: dict(link=('right_knee', 'right_foot'), id=7, color=[255, 120, 0]),
    },
    joint_weights=[1.0] * 9,
    sigmas=[0.079, 0.079, 0.062, 0.062, 0.107, 0.087, 0.087, 0.089, 0.089],
)
