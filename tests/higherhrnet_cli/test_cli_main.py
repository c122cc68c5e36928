"""The ``higherhrnet`` console command: installed, every subcommand documented by --help."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from higherhrnet.cli.main import SUBCOMMANDS, build_parser, main

MODEL_COMMANDS = ('predict', 'demo', 'extract', 'export', 'evaluate')
RUNNER_COMMANDS = ('train', 'test')  # mmengine's Runner: config, work dir, overrides, launcher


def _command_names():
    return [module.__name__.rsplit('.', 1)[1] for module in SUBCOMMANDS]


def test_every_subcommand_is_there():
    assert _command_names() == ['predict', 'demo', 'extract', 'client', 'export', 'evaluate', 'train', 'test']


@pytest.mark.parametrize('command', ['predict', 'demo', 'extract', 'client', 'export', 'evaluate', 'train', 'test'])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, '--help'])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f'usage: higherhrnet {command}')
    if command in MODEL_COMMANDS:
        assert '--config' in text and '--checkpoint' in text
    if command in RUNNER_COMMANDS:
        assert '--cfg-options' in text and '--launcher' in text and '--work-dir' in text


def test_no_subcommand_is_an_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([])
    assert exit_info.value.code == 2


def test_console_script_is_installed():
    script = Path(sys.executable).with_name('higherhrnet')
    if not script.exists():
        script = shutil.which('higherhrnet')
    assert script, 'the higherhrnet console script is missing: pip install -e . declares it'
    completed = subprocess.run([str(script), '--help'], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0
    for command in _command_names():
        assert command in completed.stdout
