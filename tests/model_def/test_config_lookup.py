"""model_def.configs: a config by path, by name or by mmengine's package prefix."""
import pytest

from conftest import CONFIG_DIR
from higherhrnet.model_def.configs import resolve_config


@pytest.mark.parametrize('config', [CONFIG_DIR / 'finetune' / 'higherhrnet_w32_crowdpose_512_coco.py',
                                    'higherhrnet::finetune/higherhrnet_w32_crowdpose_512_coco.py',
                                    'higherhrnet::finetune/higherhrnet_w32_crowdpose_512_coco'])
def test_a_path_or_the_package_prefix(config):
    assert resolve_config(config) == CONFIG_DIR / 'finetune' / 'higherhrnet_w32_crowdpose_512_coco.py'


def test_a_name_of_registry_configs():
    assert resolve_config('higherhrnet_w48_coco_640') == CONFIG_DIR / 'higherhrnet_w48_coco_640.py'


@pytest.mark.parametrize('config', ['higherhrnet_w64_coco_512', 'higherhrnet::higherhrnet_w64_coco_512.py',
                                    'higherhrnet::_base_/../../__init__.py'])
def test_an_unknown_config_names_the_known_ones(config):
    with pytest.raises(FileNotFoundError, match='known: .*higherhrnet_w32_coco_512'):
        resolve_config(config)
