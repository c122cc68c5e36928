"""``SignificantLogProcessor``: loss terms in the log with 3 significant digits."""
from mmengine.runner import LogProcessor

from higherhrnet.registry import LOG_PROCESSORS

SIGNIFICANT_DIGITS = 3


class SignificantFloat(float):
    """A float that formats itself with ``SIGNIFICANT_DIGITS`` significant digits whatever the format
    asked: mmengine's LogProcessor writes every value with a fixed number of decimals, and the push and
    pull terms (~1e-4 with the official factors) would read 0.0004 or 0.0000 at its 4 decimals."""

    def __format__(self, spec):
        return format(float(self), f'.{SIGNIFICANT_DIGITS - 1}e')


@LOG_PROCESSORS.register_module()
class SignificantLogProcessor(LogProcessor):
    """mmengine's LogProcessor, the values whose name has 'loss' in it written as e.g. ``4.12e-04``.
    The values stay floats for the message hub and the visualiser backends (which store them whole)."""

    def _collect_scalars(self, custom_cfg, runner, mode, reserve_prefix=False):
        scalars = super()._collect_scalars(custom_cfg, runner, mode, reserve_prefix)
        return {name: SignificantFloat(value) if 'loss' in name and isinstance(value, float) else value
                for name, value in scalars.items()}
