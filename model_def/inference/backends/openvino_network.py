"""The network's ONNX graph run by OpenVINO on the CPU.

The graph is compiled once with dynamic batch, height and width, so any input size runs without a
recompile; with ``cache_dir`` OpenVINO keeps the compiled blob there and a restarted worker loads it
instead of compiling again. Float32 unless ``precision`` says otherwise: OpenVINO's own default on
CPUs with AMX or AVX-512 BF16 is bfloat16, which moves the heatmaps of W32 by up to ~1e-2
(``bench/pipeline.py`` prints the figure) and with them the people, so it is opt-in.
"""
from pathlib import Path

from .graph_network import GraphNetwork
from .network_export import INPUT_NAME, OUTPUT_NAMES

PRECISIONS = ('f32', 'bf16', 'f16')


class OpenVinoNetwork(GraphNetwork):
    """``onnx_path`` compiled for OpenVINO's CPU plugin with ``threads`` inference threads."""

    def __init__(self, onnx_path, device='cpu', threads=None, cache_dir=None, precision='f32'):
        super().__init__(device)
        if precision not in PRECISIONS:
            raise ValueError(f'openvino precision {precision!r}: one of {", ".join(PRECISIONS)}')
        import openvino

        core = openvino.Core()
        if cache_dir is not None:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            core.set_property({'CACHE_DIR': str(cache_dir)})
        settings = {'INFERENCE_PRECISION_HINT': precision, 'PERFORMANCE_HINT': 'LATENCY'}
        if threads:
            settings['INFERENCE_NUM_THREADS'] = int(threads)
        self.precision = precision
        self.compiled = core.compile_model(str(onnx_path), 'CPU', settings)
        self.request = self.compiled.create_infer_request()
        self.outputs = [self.compiled.output(name) for name in OUTPUT_NAMES]

    def run_arrays(self, image):
        # the input array is read in place (it is ours and contiguous); the outputs are copied out of
        # the request's buffers, which the next call overwrites
        results = self.request.infer({INPUT_NAME: image}, share_inputs=True)
        return [results[output] for output in self.outputs]
