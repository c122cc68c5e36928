"""Building from a fresh interpreter in another folder, and from another mmengine project.

Each test runs a script in a new Python process whose working directory is a temporary folder,
so nothing of this repository is importable except through the installed packages.
"""
import subprocess
import sys
import textwrap

from conftest import CONFIG_DIR

# another mmengine project: its own child registry and scope, and a model that uses our backbone
OTHER_PROJECT = {
    'otherpose/__init__.py': '',
    # mmengine imports '<scope>.registry' when a Runner's default scope is set
    'otherpose/registry.py': """
        from mmengine.registry import MODELS as MMENGINE_MODELS
        from mmengine.registry import Registry

        MODELS = Registry('model', parent=MMENGINE_MODELS, scope='otherpose', locations=['otherpose.models'])
    """,
    'otherpose/models.py': """
        import torch
        from mmengine.model import BaseModel

        from otherpose.registry import MODELS


        @MODELS.register_module()
        class CenterNet(BaseModel):
            def __init__(self, backbone, channels):
                super().__init__()
                self.backbone = MODELS.build(backbone)
                self.center = torch.nn.Conv2d(channels, 1, 1)

            def forward(self, inputs, data_samples=None, mode='tensor'):
                return self.center(self.backbone(inputs)[0])
    """,
    'configs/centernet.py': """
        custom_imports = dict(imports=['otherpose', 'higherhrnet.registry', 'higherhrnet.model_def'], allow_failed_imports=False)
        model = dict(type='otherpose.CenterNet', backbone=dict(type='higherhrnet.HRNet', width=8), channels=8)
    """,
    # our model needs nothing but custom_imports
    'configs/higherhrnet_tiny.py': """
        custom_imports = dict(imports=['higherhrnet.registry', 'higherhrnet.model_def'], allow_failed_imports=False)
        model = dict(
            type='higherhrnet.HigherHRNet',
            backbone=dict(type='HRNet', width=8),
            head=dict(type='HigherHRNetHead', in_channels=8, num_joints=14),
        )
    """,
}


def run(script, cwd):
    path = cwd / 'script.py'
    path.write_text(textwrap.dedent(script))
    result = subprocess.run([sys.executable, str(path)], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    # mmengine's logger writes to stdout too: keep only what the script printed
    return ' '.join(line for line in result.stdout.splitlines() if ' - mmengine - ' not in line).split()


def test_config_builds_in_a_fresh_interpreter_in_another_folder(tmp_path):
    out = run(f"""
        import torch
        from mmengine.config import Config
        from mmengine.registry import MODELS

        model = MODELS.build(Config.fromfile({str(CONFIG_DIR / 'higherhrnet_w32_crowdpose_512.py')!r}).model)
        out0, out1 = model.eval()(torch.zeros(1, 3, 64, 64))
        print(type(model).__module__, model.dataset_meta['dataset_name'], tuple(out0.shape), tuple(out1.shape))
    """, tmp_path)
    assert out == ['higherhrnet.model_def.pose_estimators.higherhrnet', 'crowdpose', '(1,', '28,', '16,', '16)',
                   '(1,', '14,', '32,', '32)']


def test_another_project_builds_our_model_and_uses_our_backbone(tmp_path):
    for name, text in OTHER_PROJECT.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    out = run("""
        import torch
        from mmengine.config import Config
        from mmengine.registry import DefaultScope

        # as inside that project's Runner (default_scope='otherpose')
        DefaultScope.get_instance('otherpose-test', scope_name='otherpose')
        centernet = Config.fromfile('configs/centernet.py')
        higherhrnet = Config.fromfile('configs/higherhrnet_tiny.py')
        from otherpose.registry import MODELS
        for cfg in (centernet, higherhrnet):
            model = MODELS.build(cfg.model).eval()
            outputs = model(torch.zeros(1, 3, 64, 64))
            shapes = [tuple(o.shape) for o in (outputs if isinstance(outputs, list) else [outputs])]
            print(type(model).__name__, type(model.backbone).__module__, str(shapes).replace(' ', ''))
    """, tmp_path)
    assert out == ['CenterNet', 'higherhrnet.model_def.backbones.hrnet', '[(1,1,16,16)]',
                   'HigherHRNet', 'higherhrnet.model_def.backbones.hrnet', '[(1,28,16,16),(1,14,32,32)]']


# a flat project whose own top-level modules have the names of our repository folders
FLAT_PROJECT = {
    'registry.py': """
        from mmengine.registry import MODELS as MMENGINE_MODELS
        from mmengine.registry import Registry

        MODELS = Registry('model', parent=MMENGINE_MODELS, scope='flatpose', locations=['model_def'])
    """,
    'model_def.py': """
        import torch
        from mmengine.model import BaseModel

        from registry import MODELS


        @MODELS.register_module()
        class TinyPose(BaseModel):
            def __init__(self, backbone, channels):
                super().__init__()
                self.backbone = MODELS.build(backbone)
                self.center = torch.nn.Conv2d(channels, 1, 1)

            def forward(self, inputs, data_samples=None, mode='tensor'):
                return self.center(self.backbone(inputs)[0])
    """,
    'handler.py': 'NAME = "the flat project\'s own handler"\n',
    'config.py': """
        custom_imports = dict(imports=['registry', 'model_def', 'handler', 'higherhrnet.registry',
                                       'higherhrnet.model_def'], allow_failed_imports=False)
        ours = dict(type='higherhrnet.HigherHRNet', backbone=dict(type='HRNet', width=8),
                    head=dict(type='HigherHRNetHead', in_channels=8, num_joints=17))
        theirs = dict(type='flatpose.TinyPose', backbone=dict(type='higherhrnet.HRNet', width=8), channels=8)
    """,
}


def test_a_project_with_its_own_registry_model_def_and_handler_modules_builds_ours(tmp_path):
    for name, text in FLAT_PROJECT.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    out = run("""
        import torch
        from mmengine.config import Config
        from mmengine.registry import DefaultScope

        import handler
        import registry

        DefaultScope.get_instance('flatpose-test', scope_name='flatpose')
        cfg = Config.fromfile('config.py')
        for model_cfg in (cfg.ours, cfg.theirs):
            model = registry.MODELS.build(model_cfg).eval()
            outputs = model(torch.zeros(1, 3, 64, 64))
            shapes = [tuple(o.shape) for o in (outputs if isinstance(outputs, list) else [outputs])]
            print(type(model).__name__, type(model.backbone).__module__, str(shapes).replace(' ', ''))
        # the project's own modules stayed its own
        print(registry.MODELS.scope, handler.NAME.replace(' ', '_'))
    """, tmp_path)
    assert out == ['HigherHRNet', 'higherhrnet.model_def.backbones.hrnet', '[(1,34,16,16),(1,17,32,32)]',
                   'TinyPose', 'higherhrnet.model_def.backbones.hrnet', '[(1,1,16,16)]',
                   "flatpose", "the_flat_project's_own_handler"]


def test_the_readmes_model_dict_predicts_as_shown(tmp_path):
    """The model dict of README's "From another mmengine project" builds and predicts (flip test included)
    in a fresh interpreter in another folder, with nothing copied by hand."""
    from conftest import REPO_ROOT
    readme = (REPO_ROOT / 'README.md').read_text()
    section = readme[readme.index('**From another mmengine project.**'):]
    blocks = [part.split('```')[0] for part in section.split('```python\n')[1:]]
    (block,) = [b for b in blocks if "type='higherhrnet.HigherHRNet'" in b][:1]
    out = run(f"""
        import numpy as np
        import torch
        from mmengine.registry import MODELS
        import higherhrnet.registry, higherhrnet.model_def
        from higherhrnet.model_def import PoseEstimator
        torch.set_num_threads(1)
        {textwrap.indent(block, ' ' * 8).strip()}
        net = MODELS.build(model)
        result = PoseEstimator(net).predict(np.zeros((64, 64, 3), np.uint8))
        samples = net(inputs=[torch.zeros(3, 64, 64, dtype=torch.uint8)], mode='predict')
        print(result['keypoints'].shape[1], samples[0].pred_instances.keypoints.shape[1], net.test_cfg == {{}})
    """, tmp_path)
    assert out == ['17', '17', 'True']
