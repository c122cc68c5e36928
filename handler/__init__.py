"""The TorchServe side of higherhrnet-serve.

``higherhrnet_handler.py`` is the handler file archived into the .mar (one class, thin glue over
``model_def.PoseEstimator``); the small modules beside it turn one request into images and
options (``request``, ``image``, ``options``) and are usable without TorchServe. ``archive`` builds
``model_store/higherhrnet.mar`` and ``server`` starts, waits for and stops TorchServe.
"""
