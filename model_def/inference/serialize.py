"""The JSON form of one image's people, shared by the TorchServe handler and the command-line tools."""
import numpy as np


def people_to_json(result, *, dataset_meta, image_size, model_name, untrained=False):
    """One ``PoseEstimator.predict`` result (a dict) as the response schema of the server.

    ``image_size`` is ``(width, height)`` of the original image; coordinates are image pixels.
    """
    keypoints = np.asarray(result['keypoints'], dtype=np.float32)
    scores = np.asarray(result['scores'], dtype=np.float32)
    bboxes = np.asarray(result['bboxes'], dtype=np.float32)
    people = [
        {
            'keypoints': keypoints[p].tolist(),
            'score': float(scores[p]),
            'bbox': bboxes[p].tolist(),
        }
        for p in range(len(scores))
    ]
    response = {
        'people': people,
        'keypoint_names': list(dataset_meta['keypoint_names']),
        'skeleton': [list(limb) for limb in dataset_meta['skeleton']],
        'image_size': [int(image_size[0]), int(image_size[1])],
        'model': model_name,
    }
    if untrained:
        response['untrained'] = True
    return response
