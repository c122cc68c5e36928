"""higherhrnet::<config>.py in mmengine, from a fresh interpreter in another folder, as mmdet:: and
mmpose:: work: the installed startup file (``higherhrnet_config_scheme.pth``) teaches mmengine's
Config the prefix, and nothing of ours has to be imported first."""
import json
import subprocess
import sys
import textwrap
import zipfile

from training_testdata import write_tiny_training_config

from conftest import REPO_ROOT


def run(script, cwd):
    """``script`` in a new interpreter in ``cwd``; its result: the last line it printed, as JSON."""
    path = cwd / 'script.py'
    path.write_text(textwrap.dedent(script))
    result = subprocess.run([sys.executable, str(path)], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_fromfile_takes_the_prefix_with_nothing_imported_and_the_start_stays_light(tmp_path):
    out = run("""
        import json, sys
        light = not [name for name in sys.modules if name.split('.')[0] in ('mmengine', 'torch')]
        from mmengine.config import Config
        cfg = Config.fromfile('higherhrnet::higherhrnet_w32_crowdpose_512.py')
        print(json.dumps([light, cfg.filename, cfg.model.head.num_joints, cfg.model.test_cfg.input_size]))
    """, tmp_path)
    assert out == [True, str(REPO_ROOT / 'registry/configs/higherhrnet_w32_crowdpose_512.py'), 14, 512]


def test_a_config_inheriting_by_the_prefix_predicts_trains_and_tests(tmp_path):
    """Another project's config: `_base_ = ['higherhrnet::...']` and its own data, nothing copied."""
    config = write_tiny_training_config(tmp_path, by_package_scheme=True)
    assert config.read_text().startswith("_base_ = ['higherhrnet::higherhrnet_w32_coco_512.py']")
    out = run(f"""
        import json
        import numpy as np
        import torch
        from mmengine.config import Config
        from mmengine.registry import MODELS
        from mmengine.runner import Runner

        torch.set_num_threads(1)
        cfg = Config.fromfile({str(config)!r})
        cfg.work_dir = 'work_dir'
        runner = Runner.from_cfg(cfg)
        runner.train()
        metrics = runner.test()

        # the trained weights, predicting as the README shows: mode='predict' and PoseEstimator
        from higherhrnet.model_def import PoseEstimator
        image = np.random.RandomState(0).randint(0, 256, (96, 128, 3), dtype=np.uint8)
        model = MODELS.build(cfg.model)
        model.load_state_dict(runner.model.state_dict())
        (sample,) = model([torch.from_numpy(image[..., ::-1].copy()).permute(2, 0, 1)], mode='predict')
        result = PoseEstimator(model).predict(image)
        same = np.array_equal(sample.pred_instances.keypoints, result['keypoints'][..., :2])
        print(json.dumps([sorted(metrics)[:3], type(model).__name__, len(result['scores']) > 0, same]))
    """, tmp_path)
    assert out == [['coco/AP', 'coco/AP (L)', 'coco/AP (M)'], 'HigherHRNet', True, True]


def test_an_unknown_name_is_one_line_naming_the_configs_there_are(tmp_path):
    (tmp_path / 'mine.py').write_text("_base_ = ['higherhrnet::higherhrnet_w64_coco_512.py']\n")
    out = run("""
        import json
        from mmengine.config import Config
        messages = []
        for name in ('higherhrnet::higherhrnet_w64_coco_512.py', 'mine.py', 'higherhrnet::../../setup.py'):
            try:
                Config.fromfile(name)
            except FileNotFoundError as error:
                messages.append(str(error))
        print(json.dumps(messages))
    """, tmp_path)
    assert len(out) == 3
    for message in out:
        assert '\n' not in message
        assert message.startswith('no config higherhrnet::')
        assert 'known: higherhrnet::custom/higherhrnet_w32_custom_512.py, ' in message
        assert 'higherhrnet::finetune/higherhrnet_w32_crowdpose_512_coco.py, ' in message
        assert 'higherhrnet::higherhrnet_w48_crowdpose_640.py' in message
        assert '_base_' not in message


def test_a_regular_wheel_carries_the_startup_file(tmp_path):
    """An editable install is what the tests above run on; a wheel (pip install .) puts the same
    startup line at the top of site-packages."""
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps', '--no-build-isolation',
                    '--wheel-dir', str(tmp_path), str(REPO_ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob('higherhrnet_serve-*.whl')
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read('higherhrnet_config_scheme.pth').decode() == (
            'import higherhrnet.config_scheme as scheme; scheme.install()\n')
        assert 'higherhrnet/config_scheme.py' in archive.namelist()
