"""``--backend`` of the commands that run the model: the runtime's people, or one line when it cannot run."""
import json

import cv2
import pytest

from cli_testdata import synthetic_image, tiny_coco_model  # noqa: F401 (fixture)
from higherhrnet.cli.main import main


def test_predict_with_openvino_writes_the_people_of_the_python_api(tmp_path, tiny_coco_model):
    from higherhrnet.model_def import PoseEstimator
    from higherhrnet.model_def.inference.serialize import people_to_json

    config, checkpoint = tiny_coco_model
    cv2.imwrite(str(tmp_path / 'one.png'), synthetic_image(96, 128, seed=4))
    assert main(['predict', str(tmp_path / 'one.png'), '--out', str(tmp_path / 'out'), '--config', str(config),
                 '--checkpoint', str(checkpoint), '--backend', 'openvino']) == 0
    estimator = PoseEstimator.from_config(config, checkpoint=checkpoint, backend='openvino')
    image = cv2.imread(str(tmp_path / 'one.png'))
    expected = people_to_json(estimator.predict(image), dataset_meta=estimator.dataset_meta,
                              image_size=(128, 96), model_name=estimator.config_name)
    assert json.loads((tmp_path / 'out' / 'one.json').read_text()) == json.loads(json.dumps(expected))


@pytest.mark.parametrize('backend, message', [
    ('onnx', "unknown backend 'onnx'; one of: torch, onnxruntime, openvino, tensorrt"),
    ('tensorrt', "backend 'tensorrt' needs the Python package 'tensorrt', which is not installed: pip install "
                 'tensorrt'),
])
def test_a_backend_that_cannot_run_is_one_line_before_any_loading(tmp_path, capsys, backend, message):
    if backend == 'tensorrt' and __import__('importlib').util.find_spec('tensorrt') is not None:
        pytest.skip('tensorrt is installed here')
    cv2.imwrite(str(tmp_path / 'one.png'), synthetic_image(64, 64))
    # the checkpoint does not exist: the backend is refused before anything is read
    code = main(['predict', str(tmp_path / 'one.png'), '--out', str(tmp_path / 'out'), '--checkpoint',
                 str(tmp_path / 'missing.pth'), '--backend', backend])
    err = capsys.readouterr().err
    assert code == 2 and err.count('\n') == 1 and message in err
