"""``CheckpointOverPretrainedHook``: a run that loads or resumes a checkpoint reads no pretrained file."""
import logging

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import find_latest_checkpoint

from higherhrnet.registry import HOOKS


def _is_pretrained(init_cfg):
    return isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained'


def drop_pretrained_init(model):
    """Remove every ``Pretrained`` entry of the ``init_cfg`` of ``model`` and its submodules; returns
    ``[(module name, checkpoint it named), ...]``."""
    dropped = []
    for name, module in model.named_modules():
        init_cfg = getattr(module, 'init_cfg', None)
        entries = init_cfg if isinstance(init_cfg, list) else [init_cfg]
        pretrained = [entry for entry in entries if _is_pretrained(entry)]
        if not pretrained:
            continue
        kept = [entry for entry in entries if not _is_pretrained(entry)]
        module.init_cfg = kept if isinstance(init_cfg, list) else None
        dropped += [(name or 'model', entry.get('checkpoint')) for entry in pretrained]
    return dropped


@HOOKS.register_module()
class CheckpointOverPretrainedHook(Hook):
    """When the run starts from a checkpoint (``load_from``, or ``resume`` with a checkpoint to resume
    from), the pretrained weights of an ``init_cfg`` (the backbone's ImageNet HRNet) are not read.

    mmengine's ``Runner.train`` initialises the weights (``init_weights``, which reads the pretrained
    file) and only then loads the checkpoint, whose weights replace them all: without this hook a
    resume or a fine-tune needs the ImageNet file on disk although not one of its values survives.
    ``before_run`` is the one hook point before ``init_weights``.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner):
        # Runner keeps load_from / resume private; load_or_resume decides the same way
        checkpoint = runner._load_from
        if checkpoint is None and runner._resume:
            checkpoint = find_latest_checkpoint(runner.work_dir)
        if checkpoint is None:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        for name, pretrained in drop_pretrained_init(model):
            print_log(f'{name}: init_cfg Pretrained {pretrained} not read: the weights of {checkpoint} '
                      'replace it', logger='current', level=logging.INFO)
