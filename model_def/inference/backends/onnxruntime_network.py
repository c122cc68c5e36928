"""The network's ONNX graph run by ONNX Runtime: its CPU execution provider, or CUDA's on a GPU.

Batch, height and width are dynamic axes of the graph: any input size runs in the same session.
"""
from .graph_network import GraphNetwork
from .catalogue import BackendError
from .network_export import INPUT_NAME, OUTPUT_NAMES


class OnnxRuntimeNetwork(GraphNetwork):
    """An ``onnxruntime.InferenceSession`` of ``onnx_path`` with ``threads`` intra-op threads."""

    def __init__(self, onnx_path, device='cpu', threads=None, cache_dir=None):
        super().__init__(device)
        import onnxruntime

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = int(threads)
        # one operator at a time: the network is a chain, and a second pool would fight the first
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        # ONNX Runtime's threads spin-wait after each run by default, taking the cores from the grouping
        # and aggregation that follow (measured: aggregation 54 ms instead of 11 ms for W32 512)
        options.add_session_config_entry('session.intra_op.allow_spinning', '0')
        if self.device.type == 'cuda':
            if 'CUDAExecutionProvider' not in onnxruntime.get_available_providers():
                raise BackendError('this onnxruntime has no CUDA execution provider: pip install '
                                   f'onnxruntime-gpu=={onnxruntime.__version__} in place of onnxruntime')
            providers = [('CUDAExecutionProvider', {'device_id': self.device.index or 0})]
        else:
            providers = ['CPUExecutionProvider']
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=providers)

    def run_arrays(self, image):
        return self.session.run(list(OUTPUT_NAMES), {INPUT_NAME: image})
