# CrowdPose keypoints: 14 joints (no face points; head top and neck last). Skeleton pairs are 0-based
# joint indices; joint_order is the first 14 entries of the official COCO visiting order.
_base_ = ['./higherhrnet.py']

model = dict(
    head=dict(num_joints=14),
    dataset_meta=dict(
        dataset_name='crowdpose',
        keypoint_names=[
            'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
            'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle', 'head', 'neck'
        ],
        flip_index=[1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 12, 13],
        skeleton=[[10, 8], [8, 6], [11, 9], [9, 7], [6, 7], [0, 6], [1, 7], [0, 1], [0, 2], [1, 3], [2, 4],
                  [3, 5], [12, 13], [1, 13], [0, 13]],
        joint_order=[0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13],
    ),
)
