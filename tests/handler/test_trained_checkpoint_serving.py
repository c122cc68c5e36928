"""A checkpoint written by training, archived and served by a real TorchServe."""
import cv2
import requests

from keypoint_testdata import draw_people, people_keypoints
from serving import running_torchserve
from training_testdata import trained_run  # noqa: F401 (fixture)


def test_a_training_checkpoint_is_archived_and_answers(trained_run, tmp_path):
    image = draw_people(cv2.imread(str(next((trained_run.data_root / 'images' / 'val2017').glob('*.jpg')))),
                        people_keypoints('coco', [(30, 10, 50)]), 'coco')
    jpeg = cv2.imencode('.jpg', image)[1].tobytes()
    with running_torchserve(tmp_path, trained_run.config, trained_run.work_dir / 'epoch_2.pth',
                            batch_size=1, max_batch_delay_ms=10) as server:
        response = requests.put(f'{server.inference}/predictions/{server.model_name}', data=jpeg, timeout=120)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer['image_size'] == [image.shape[1], image.shape[0]] and 'people' in answer
    assert not answer.get('untrained', False)
