"""The TorchServe handler of higherhrnet-serve: requests in, ``PoseEstimator.predict``, JSON out.

Thin glue: the pose pipeline lives in ``model_def``; decoding and checking a request lives in
``handler.request``, ``handler.image`` and ``handler.options``.
"""
import http
import json
import os
import time
from collections import defaultdict

import numpy as np
import torch
from ts.metrics.metric_type_enum import MetricTypes

from higherhrnet.handler.errors import BadRequest
from higherhrnet.handler.image import DEFAULT_MAX_PIXELS, DEFAULT_MIN_SIDE, decode_image
from higherhrnet.handler.options import parse_options
from higherhrnet.handler.request import parse_request
from higherhrnet.model_def import PoseEstimator
from higherhrnet.model_def.serialize import people_to_json

# Response header telling how many requests TorchServe batched together with this one.
BATCH_SIZE_HEADER = 'x-higherhrnet-batch-size'


class HigherHRNetHandler:
    """One worker: a ``PoseEstimator`` built from the archived config and weights.

    The ``handler`` section of the archive's model-config.yaml names the config, the weights and
    the image limits (written by ``handler/archive.py``).
    """

    def __init__(self):
        self.initialized = False
        self.estimator = None
        self.untrained = False
        self.image_limits = {}

    def initialize(self, context):
        properties = context.system_properties
        model_dir = properties['model_dir']
        settings = (context.model_yaml_config or {}).get('handler', {})
        gpu_id = properties.get('gpu_id')
        device = f'cuda:{gpu_id}' if torch.cuda.is_available() and gpu_id is not None else 'cpu'
        self.estimator = PoseEstimator.from_config(
            os.path.join(model_dir, settings['config']),
            checkpoint=os.path.join(model_dir, settings['weights']),
            device=device)
        self.untrained = bool(settings.get('untrained', False))
        self.image_limits = {
            'max_pixels': int(settings.get('max_image_pixels', DEFAULT_MAX_PIXELS)),
            'min_side': int(settings.get('min_image_side', DEFAULT_MIN_SIDE)),
        }
        # The first call pays for lazy set-up (allocations, cuDNN autotuning): not the first user.
        input_size = self.estimator.test_cfg['input_size']
        self.estimator.predict(np.zeros((input_size, input_size, 3), np.uint8))
        self.initialized = True

    def handle(self, data, context):
        """One response per request of the batch; a bad request gets its own 4xx, the rest 200."""
        started = time.perf_counter()
        responses = [None] * len(data)
        accepted = {}
        # Every image of every good request, keyed by its options: each key is one predict call.
        groups = defaultdict(list)
        images = {}
        for index, row in enumerate(data):
            try:
                request = parse_request(row)
                decoded = [decode_image(image, **self.image_limits) for image in request.images]
                overrides = [parse_options(options) for options in request.options]
            except BadRequest as error:
                responses[index] = self._error(context, index, error)
                continue
            accepted[index] = request
            for position, (image, options) in enumerate(zip(decoded, overrides)):
                images[index, position] = image
                groups[tuple(sorted(options.items()))].append((index, position))
        decoded_at = time.perf_counter()

        results, refused = {}, {}
        # The pipeline adds up the seconds of its stages (network, grouping, ...) in this dict.
        self.estimator.stage_seconds = {}
        for options, members in groups.items():
            overrides = {name: list(value) if isinstance(value, tuple) else value
                         for name, value in options}
            results.update(self._predict(images, members, overrides, refused))
        for index, error in refused.items():
            del accepted[index]
            responses[index] = self._error(context, index, error)
        predicted_at = time.perf_counter()

        people = []
        for index in range(len(data)):
            context.set_response_header(index, BATCH_SIZE_HEADER, str(len(data)))
        for index, request in accepted.items():
            answers = []
            for position in range(len(request.images)):
                image = images[index, position]
                result = results[index, position]
                people.append(len(result['scores']))
                answers.append(people_to_json(
                    result, dataset_meta=self.estimator.dataset_meta,
                    image_size=(image.shape[1], image.shape[0]),
                    model_name=self.estimator.config_name, untrained=self.untrained))
            body = {'predictions': answers} if request.kserve else answers[0]
            context.set_response_content_type(index, 'application/json')
            responses[index] = json.dumps(body)
        finished = time.perf_counter()

        stages = {''.join(word.capitalize() for word in name.split('-')): seconds
                  for name, seconds in self.estimator.stage_seconds.items()}
        self._metrics(context, len(data), people, {
            'Decode': decoded_at - started,
            'Predict': predicted_at - decoded_at,
            **stages,
            'Encode': finished - predicted_at,
        })
        return responses

    def _predict(self, images, members, overrides, refused):
        """Results of the images ``members`` ((request, position) pairs) run through the pipeline
        together. When the pipeline refuses them (ValueError/TypeError: e.g. an image too elongated
        for the network), the requests are run apart so that only the culprit gets the 400."""
        try:
            return dict(zip(members, self.estimator.predict([images[m] for m in members], **overrides)))
        except (ValueError, TypeError) as error:
            requests = sorted({index for index, _ in members})
            if len(requests) == 1:
                refused[requests[0]] = BadRequest(str(error).splitlines()[0])
                return {}
        results = {}
        for request in requests:
            results.update(self._predict(
                images, [m for m in members if m[0] == request], overrides, refused))
        return results

    @staticmethod
    def _error(context, index, error):
        context.set_response_status(error.error_code, http.HTTPStatus(error.error_code).phrase, index)
        context.set_response_content_type(index, 'application/json')
        return json.dumps({'code': error.error_code, 'message': error.message})

    @staticmethod
    def _metrics(context, batch_size, people, seconds):
        metrics = context.metrics
        # TorchServe appends its default dimensions to the list it is given: a fresh one each time.
        metrics.add_metric('HigherHRNetBatchSize', batch_size, 'count', None, [], MetricTypes.GAUGE)
        metrics.add_metric('HigherHRNetRequests', batch_size, 'count', None, [], MetricTypes.COUNTER)
        metrics.add_metric('HigherHRNetBatches', 1, 'count', None, [], MetricTypes.COUNTER)
        if people:
            metrics.add_metric('HigherHRNetPeoplePerImage', float(np.mean(people)), 'count', None, [],
                               MetricTypes.GAUGE)
        # Milliseconds per batch: Decode, Predict (also split into the pipeline's stages: Network,
        # Grouping, ...) and Encode.
        for stage, duration in seconds.items():
            metrics.add_metric(f'HigherHRNet{stage}Ms', round(duration * 1000.0, 3), 'ms', None, [],
                               MetricTypes.GAUGE)
