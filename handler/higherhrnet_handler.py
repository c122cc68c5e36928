"""The TorchServe handler of higherhrnet-serve: requests in, ``PoseEstimator.predict``, JSON out.

Thin glue: the pose pipeline lives in ``model_def``; reading and checking a request lives in
``handler.request``, ``handler.options``, ``handler.image`` and ``handler.budget``. Whatever goes
wrong with one request (bad input: its 4xx; anything else: 500 and the traceback in the log) is
answered to that request alone: the rest of the batch gets its answers and the worker stays up.
"""
import http
import json
import logging
import os
import time
from collections import defaultdict

import numpy as np
import torch
from ts.metrics.metric_type_enum import MetricTypes
from ts.utils.util import PredictionException

from higherhrnet.handler.budget import (DEFAULT_MAX_IMAGES, DEFAULT_MAX_MEGAPIXELS, BatchClock,
                                        RequestLimits, check_cost, check_image_count,
                                        check_image_pixels, image_megapixels)
from higherhrnet.handler.errors import BadRequest, Overloaded, one_line
from higherhrnet.handler.image import DEFAULT_MAX_PIXELS, DEFAULT_MIN_SIDE, open_image, to_bgr
from higherhrnet.handler.options import parse_options
from higherhrnet.handler import kserve_v2
from higherhrnet.handler.request import KSERVE_V1, KSERVE_V2, parse_request
from higherhrnet.handler.threads import AUTO, worker_threads
from higherhrnet.model_def import PoseEstimator
from higherhrnet.model_def.inference.backends import DEFAULT_BACKEND, InputRefused
from higherhrnet.model_def.inference.serialize import people_to_json
from higherhrnet.model_def.untrained import UNTRAINED_MESSAGE

logger = logging.getLogger(__name__)

# Response header telling how many requests TorchServe batched together with this one.
BATCH_SIZE_HEADER = 'x-higherhrnet-batch-size'
# TorchServe's default responseTimeout (seconds), when the archive's model-config.yaml has none.
DEFAULT_RESPONSE_TIMEOUT_S = 120
# Keys of the ``handler`` section of model-config.yaml (handler/archive.py writes the first three).
SETTINGS = ('config', 'weights', 'untrained', 'max_image_pixels', 'min_image_side',
            'max_request_megapixels', 'max_images_per_request', 'threads', 'backend', 'onnx', 'backend_options')
# Where a worker keeps compiled models and TensorRT engines between starts: set by our server for its
# run dir (handler/server.py); without it, a folder beside the unpacked archive.
MODEL_CACHE_VARIABLE = 'HIGHERHRNET_MODEL_CACHE'


class HigherHRNetHandler:
    """One worker: a ``PoseEstimator`` built from the archived config and weights.

    The ``handler`` section of the archive's model-config.yaml names the config, the weights, the
    limits of a request and the worker's threads (see ``handler/model-config.yaml``).
    """

    def __init__(self):
        self.initialized = False
        self.estimator = None
        self.untrained = False
        self.image_limits = {}
        self.request_limits = RequestLimits()
        self.clock = None

    def initialize(self, context):
        properties = context.system_properties
        model_dir = properties['model_dir']
        model_config = context.model_yaml_config or {}
        settings = model_config.get('handler', {})
        unknown = sorted(set(settings) - set(SETTINGS))
        if unknown:
            logger.warning('unknown handler settings ignored: %s (known: %s)', unknown, SETTINGS)
        workers = model_config.get('maxWorkers', model_config.get('minWorkers', 1))
        threads = worker_threads(settings.get('threads', AUTO), workers)
        torch.set_num_threads(threads)
        gpu_id = properties.get('gpu_id')
        device = f'cuda:{gpu_id}' if torch.cuda.is_available() and gpu_id is not None else 'cpu'
        logger.info('worker on %s with %d intra-op threads (%d workers)', device, threads, workers)
        backend = settings.get('backend', DEFAULT_BACKEND)
        backend_options = {}
        if backend != DEFAULT_BACKEND:
            # the graph exported and checked at `make archive`; compiled models and engines are cached
            cache_dir = os.environ.get(MODEL_CACHE_VARIABLE) or os.path.join(model_dir, 'model_cache')
            backend_options = dict(settings.get('backend_options') or {}, threads=threads, cache_dir=cache_dir)
            if settings.get('onnx'):
                backend_options['onnx_path'] = os.path.join(model_dir, settings['onnx'])
            logger.info('network backend %s (model cache %s)', backend, cache_dir)
        self.estimator = PoseEstimator.from_config(
            os.path.join(model_dir, settings['config']),
            checkpoint=os.path.join(model_dir, settings['weights']),
            device=device, backend=backend, **({'backend_options': backend_options} if backend_options else {}))
        self.untrained = bool(settings.get('untrained', False))
        if self.untrained:
            logger.warning('this archive was made with WEIGHTS=untrained: %s; every answer says "untrained": '
                           'true', UNTRAINED_MESSAGE)
        self.image_limits = {
            'max_pixels': int(settings.get('max_image_pixels', DEFAULT_MAX_PIXELS)),
            'min_side': int(settings.get('min_image_side', DEFAULT_MIN_SIDE)),
        }
        self.request_limits = RequestLimits(
            max_megapixels=float(settings.get('max_request_megapixels', DEFAULT_MAX_MEGAPIXELS)),
            max_images=int(settings.get('max_images_per_request', DEFAULT_MAX_IMAGES)))
        # The first call pays for lazy set-up (allocations, cuDNN autotuning; a backend's compile was
        # paid above): not the first user.
        # Its time, lazy set-up included, is the clock's first (high) estimate of this machine's speed.
        input_size = self.estimator.test_cfg['input_size']
        started = time.perf_counter()
        self.estimator.predict(np.zeros((input_size, input_size, 3), np.uint8))
        warm_up_s = time.perf_counter() - started
        megapixels = image_megapixels(input_size, input_size, self.estimator.test_cfg)
        self.clock = BatchClock(model_config.get('responseTimeout', DEFAULT_RESPONSE_TIMEOUT_S),
                                warm_up_s / megapixels)
        logger.info('warm-up: %.2f s for %.2f network megapixels', warm_up_s, megapixels)
        self.initialized = True

    def handle(self, data, context):
        """One response per request of the batch: 200, or its own 4xx (bad input), 503 (no time left
        in the batch) or 500 (our bug); a failure never spreads to the rest of the batch."""
        started = time.perf_counter()
        self.clock.start(started)
        responses = [None] * len(data)
        accepted, costs = {}, {}
        # Every image of every good request, keyed by its options: each key's requests go through
        # predict in chunks small enough for the deadline to be checked often (BatchClock).
        groups = defaultdict(list)
        images = {}
        for index, row in enumerate(data):
            try:
                request, decoded, overrides, costs[index] = self._read(row, _content_type(context, index))
            except Exception as error:  # noqa: BLE001 - one request's failure is its own
                responses[index] = self._failure(context, index, error, 'reading')
                continue
            accepted[index] = request
            for position, (image, options) in enumerate(zip(decoded, overrides)):
                images[index, position] = image
                groups[tuple(sorted(options.items()))].append((index, position))
        decoded_at = time.perf_counter()

        results, failed = {}, {}
        # The pipeline adds up the seconds of its stages (network, grouping, ...) in this dict.
        self.estimator.stage_seconds = {}
        for options, members in groups.items():
            overrides = {name: list(value) if isinstance(value, tuple) else value
                         for name, value in options}
            for part in self._parts_in_time(members, costs, failed, first=not results and not failed):
                part_started = time.perf_counter()
                results.update(self._predict(images, part, overrides, failed))
                self.clock.record(sum(costs[i] for i in {i for i, _ in part}),
                                  time.perf_counter() - part_started)
        for index, error in failed.items():
            del accepted[index]
            responses[index] = self._failure(context, index, error, 'predicting')
        predicted_at = time.perf_counter()

        people = []
        for index in range(len(data)):
            context.set_response_header(index, BATCH_SIZE_HEADER, str(len(data)))
        for index, request in accepted.items():
            try:
                responses[index] = self._answer(context, index, request, images, results, people)
            except Exception as error:  # noqa: BLE001
                responses[index] = self._failure(context, index, error, 'encoding')
        finished = time.perf_counter()

        stages = {''.join(word.capitalize() for word in name.split('-')): seconds
                  for name, seconds in self.estimator.stage_seconds.items()}
        try:
            self._metrics(context, len(data), people, {
                'Decode': decoded_at - started,
                'Predict': predicted_at - decoded_at,
                **stages,
                'Encode': finished - predicted_at,
            })
        except Exception:  # noqa: BLE001 - metrics must never cost the batch its answers
            logger.exception('reporting the metrics of a batch failed')
        return responses

    def _read(self, row, content_type):
        """(request, BGR images, options, cost in network megapixels) of one request, its cost
        checked before any decoding."""
        request = parse_request(row, content_type)
        limits = self.request_limits
        check_image_count(len(request.images), limits)
        overrides = [parse_options(options) for options in request.options]
        opened = [open_image(data, **self.image_limits) for data in request.images]
        check_image_pixels([image.size for image in opened], self.image_limits['max_pixels'])
        cost = check_cost([(image.width, image.height, {**self.estimator.test_cfg, **options})
                           for image, options in zip(opened, overrides)], limits)
        return request, [to_bgr(image) for image in opened], overrides, cost

    def _parts_in_time(self, members, costs, failed, first):
        """``members`` (one options group) in chunks of whole requests, each started only while the
        clock says it fits (``BatchClock.next_chunk``, re-estimated after every chunk); the requests
        left over get 503 in ``failed``. With ``first``, the group's first request runs whatever
        the estimate (progress)."""
        requests = list(dict.fromkeys(index for index, _ in members))
        while requests:
            count = self.clock.next_chunk([costs[index] for index in requests], time.perf_counter(),
                                          first)
            if not count:
                for index in requests:
                    failed[index] = Overloaded(
                        f'server busy: this request (~{self.clock.estimate_s(costs[index]):.0f} s of '
                        'work) would not finish before the response timeout of its batch; retry it')
                return
            yield [m for m in members if m[0] in requests[:count]]
            requests, first = requests[count:], False

    def _predict(self, images, members, overrides, failed):
        """Results of the images ``members`` ((request, position) pairs) run through the pipeline
        together. When that fails, the requests are run apart so that only the culprit fails."""
        try:
            return dict(zip(members, self.estimator.predict([images[m] for m in members], **overrides)))
        except Exception as error:  # noqa: BLE001
            requests = sorted({index for index, _ in members})
            if len(requests) == 1:
                if isinstance(error, InputRefused):  # what the backend cannot take (a TensorRT engine's sizes)
                    error = BadRequest(f'this server cannot run this image: {error}')
                failed[requests[0]] = error
                return {}
        results = {}
        for request in requests:
            results.update(self._predict(
                images, [m for m in members if m[0] == request], overrides, failed))
        return results

    def _answer(self, context, index, request, images, results, people):
        """The JSON body of a request that went through the pipeline."""
        answers = []
        for position in range(len(request.images)):
            image = images[index, position]
            result = results[index, position]
            people.append(len(result['scores']))
            answers.append(people_to_json(
                result, dataset_meta=self.estimator.dataset_meta,
                image_size=(image.shape[1], image.shape[0]),
                model_name=self.estimator.config_name, untrained=self.untrained))
        if request.protocol == KSERVE_V2:
            body = kserve_v2.response(request.request_id, context.model_name, [json.dumps(a) for a in answers])
        else:
            body = {'predictions': answers} if request.protocol == KSERVE_V1 else answers[0]
        body = json.dumps(body)
        context.set_response_content_type(index, 'application/json')
        return body

    @staticmethod
    def _failure(context, index, error, stage):
        """The answer of a request that failed: its 4xx for bad input, 503 when the batch ran out of
        time, else 500 (traceback logged)."""
        if isinstance(error, PredictionException):
            code, message = error.error_code, error.message
            if code == 503:
                context.set_response_header(index, 'Retry-After', '1')
        else:
            logger.error('request %s failed while %s', context.get_request_id(index), stage,
                         exc_info=error)
            code, message = 500, (f'internal error while {stage} this request ({one_line(error)}); '
                                  'the traceback is in the model log')
        context.set_response_status(code, http.HTTPStatus(code).phrase, index)
        context.set_response_content_type(index, 'application/json')
        return json.dumps({'code': code, 'message': message})

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


def _content_type(context, index):
    """The Content-Type header of request ``index`` (None when TorchServe did not pass it on)."""
    try:
        properties = context.request_processor[index].get_request_properties()
    except (AttributeError, IndexError, TypeError):
        return None
    for name, value in properties.items():
        if isinstance(name, str) and name.lower() == 'content-type' and isinstance(value, str):
            return value
    return None
