"""higherhrnet-serve: HigherHRNet as mmengine components, a TorchServe model and a command.

Everything the project installs lives under this one namespace, so that a project with its own
top-level ``registry``, ``model_def`` or ``handler`` module can import ours beside it:

- ``higherhrnet.model_def``: the network, checkpoint loading and the test-time pipeline;
- ``higherhrnet.registry``: the mmengine registries (scope ``higherhrnet``) and the configs;
- ``higherhrnet.handler``: the TorchServe handler, archiver and server control;
- ``higherhrnet.cli``: the ``higherhrnet`` command.

The repository keeps these as the top-level folders ``model_def/``, ``registry/``, ``handler/``
and ``higherhrnet_cli/``; the packaging (``setup.py``) maps them under this package.
"""
__version__ = '0.1.0'
