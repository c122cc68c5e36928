"""The handler with a network backend: ``backend`` and ``backend_options`` settings reach the estimator, and
an input the backend refuses (a TensorRT engine's fixed sizes) is that request's 400 while the rest of the
batch gets its answers."""
import torch
import pytest
from handler_testdata import jpeg
from test_handler_batch import initialized_handler, run

from higherhrnet.model_def.inference.backends import InputRefused
from serving import write_tiny_model

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp('tiny'))


class NarrowEngine(torch.nn.Module):
    """Stands in for a TensorRT engine (none runs on this machine): the network, for inputs up to
    ``max_width`` wide, and TensorRTNetwork's refusal beyond."""

    def __init__(self, network, max_width):
        super().__init__()
        self.network, self.max_width = network, max_width

    def forward(self, image):
        if image.shape[3] > self.max_width:
            raise InputRefused(f'input {image.shape[2]} x {image.shape[3]} is outside the sizes the engine was '
                               f'built for (up to {self.max_width} wide)')
        return self.network(image)


def test_backend_settings_reach_the_estimator(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv('HIGHERHRNET_MODEL_CACHE', str(tmp_path / 'cache'))
    handler, _ = initialized_handler(tiny_model, backend='openvino', backend_options={'precision': 'f32'})
    assert handler.estimator.backend == 'openvino'
    assert handler.estimator.model.precision == 'f32'
    assert (tmp_path / 'cache' / 'higherhrnet.onnx').is_file()  # exported there: this archive has no graph


def test_an_input_the_backend_refuses_is_a_400_for_its_request_only(tiny_model):
    handler, context = initialized_handler(tiny_model)
    # the tiny model's input size is 128: a 96 x 128 picture runs at 128 x 160, a 96 x 400 one wider
    handler.estimator.replicas = [NarrowEngine(handler.estimator.model, max_width=256)]
    answers = run(handler, context, [jpeg(seed=1), jpeg(seed=2, height=96, width=400)])
    (good_status, good, _), (bad_status, bad, _) = answers
    assert good_status == 200 and 'people' in good
    assert bad_status == 400 and bad['message'].startswith('this server cannot run this image: input ')
    assert '\n' not in bad['message']
