"""HigherHRNet.parse_losses in a 2-process gloo group: the logged values are the means over the processes, the
back-propagated loss stays each process's own."""
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from higherhrnet.model_def import HigherHRNet


def _parse_on_rank(rank, init_file, results):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    try:
        own = torch.tensor(float(rank + 1), requires_grad=True)
        losses = {'loss_heatmap_0': own * 2, 'loss_push': own * 1e-4}
        model = HigherHRNet(backbone=dict(type='HRNet', width=8),
                            head=dict(type='HigherHRNetHead', in_channels=8, num_joints=17),
                            metainfo=dict(from_file='higherhrnet::_base_/datasets/coco.py'))
        loss, log_vars = model.parse_losses(losses)  # as DDP's train_step calls it on the module
        results[rank] = (loss.item(), loss.requires_grad, {name: value.item() for name, value in log_vars.items()})
    finally:
        dist.destroy_process_group()


def test_logged_losses_are_means_over_processes_and_the_loss_is_not(tmp_path):
    with mp.Manager() as manager:
        results = manager.dict()
        mp.spawn(_parse_on_rank, args=(str(tmp_path / 'init'), results), nprocs=2)
        results = dict(results)
    for rank in (0, 1):
        loss, requires_grad, logged = results[rank]
        assert requires_grad and abs(loss - (rank + 1) * (2 + 1e-4)) < 1e-6
        assert abs(logged['loss_heatmap_0'] - 3.0) < 1e-6 and abs(logged['loss_push'] - 1.5e-4) < 1e-9
        assert abs(logged['loss'] - 1.5 * (2 + 1e-4)) < 1e-6
