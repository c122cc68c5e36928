"""Packaging: the repository's folders installed under the one namespace ``higherhrnet``.

The metadata is in pyproject.toml; this file only maps folders to packages, which
pyproject.toml cannot do without listing every subpackage by hand.
"""
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

# Run by Python at every start (site-packages/*.pth lines that begin with `import`): teaches mmengine the
# `higherhrnet::<config>.py` prefix without importing mmengine (higherhrnet/config_scheme.py).
STARTUP_FILE = 'higherhrnet_config_scheme.pth'
STARTUP_LINE = 'import higherhrnet.config_scheme as scheme; scheme.install()\n'

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



class BuildPyWithStartupFile(build_py):
    """build_py that also puts ``STARTUP_FILE`` at the top of site-packages: through build_lib into a
    regular wheel; for an editable install (PEP 660) straight into the editable wheel, whose files are
    what the install command would install, since its build_lib is thrown away."""

    def run(self):
        super().run()
        folder = self.get_finalized_command('install').install_lib if self.editable_mode else self.build_lib
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / STARTUP_FILE).write_text(STARTUP_LINE)


setup(
    cmdclass={'build_py': BuildPyWithStartupFile},
    packages=packages,
    package_dir={package: folder for folder, package in FOLDERS.items()},
    package_data={
        'higherhrnet.registry': ['configs/*.py', 'configs/_base_/*.py', 'configs/_base_/datasets/*.py',
                                 'configs/finetune/*.py', 'configs/custom/*.py'],
        'higherhrnet.handler': ['model-config.yaml'],
    },
)
