"""Packaging: the repository's folders installed under the one namespace ``higherhrnet``.

The metadata is in pyproject.toml; this file only maps folders to packages, which
pyproject.toml cannot do without listing every subpackage by hand.
"""
from setuptools import find_packages, setup

# repository folder -> installed package
FOLDERS = {
    'higherhrnet': 'higherhrnet',
    'model_def': 'higherhrnet.model_def',
    'registry': 'higherhrnet.registry',
    'handler': 'higherhrnet.handler',
    'higherhrnet_cli': 'higherhrnet.cli',
}

packages = []
for folder, package in FOLDERS.items():
    packages += [package] + [f'{package}.{sub}' for sub in find_packages(folder)]

setup(
    packages=packages,
    package_dir={package: folder for folder, package in FOLDERS.items()},
    package_data={
        'higherhrnet.registry': ['configs/*.py', 'configs/_base_/*.py', 'configs/_base_/datasets/*.py',
                                 'configs/finetune/*.py', 'configs/custom/*.py'],
        'higherhrnet.handler': ['model-config.yaml'],
    },
)
