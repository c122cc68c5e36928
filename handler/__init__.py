"""The TorchServe side of higherhrnet-serve.

``higherhrnet_handler.py`` is the handler file archived into the .mar (one class, thin glue over
``model_def.PoseEstimator``); the small modules beside it turn one request into images and
options (``request``, ``image``, ``options``), price it before any work is done (``budget``:
network-input megapixels per request, and the batch clock against ``responseTimeout``) and size
the worker's thread pool (``threads``); they are usable without TorchServe. ``archive`` builds
``model_store/higherhrnet.mar`` (checking the weights first; ``official_weights`` fetches the
official file) and ``server`` starts, waits for and stops TorchServe.
"""
