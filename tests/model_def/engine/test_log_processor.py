"""SignificantLogProcessor: loss values formatted with 3 significant digits, whatever format mmengine asks."""
import json

from mmengine.registry import LOG_PROCESSORS

from higherhrnet.model_def.engine.log_processor import SignificantFloat, SignificantLogProcessor


def test_a_loss_value_formats_with_three_significant_digits_and_stays_a_float():
    value = SignificantFloat(0.000412345)
    assert f'{value:.4f}' == '4.12e-04' and f'{SignificantFloat(5.7):.4f}' == '5.70e+00'
    assert value == 0.000412345 and json.loads(json.dumps({'loss': value}))['loss'] == 0.000412345


def test_the_config_type_builds_from_the_root_registry():
    processor = LOG_PROCESSORS.build(dict(type='higherhrnet.SignificantLogProcessor', window_size=50, by_epoch=True))
    assert isinstance(processor, SignificantLogProcessor)
