# Training, validation and the run itself, as the official yamls set them (TRAIN block, CUDNN, WORKERS).
# Dataset files add the data and the evaluator; variant files the input size, the images per GPU
# and the precision. Our types carry the scope prefix ('higherhrnet.'), mmengine's are plain, so no
# default scope is needed and the config also runs inside another project's Runner.

# Adam on every parameter at lr 1e-3, betas and eps at their defaults and no weight decay: the
# official TRAIN.WD only reaches SGD. No gradient clipping, no warm-up.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.0))
# lr x 0.1 after epochs 200 and 260 (official LR_STEP / LR_FACTOR), stepped once per epoch.
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[200, 260], gamma=0.1)]
# 300 epochs (END_EPOCH). The official code never validates while training; here COCO val / CrowdPose
# test are scored every 10 epochs to keep the best checkpoint.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# The official global batch, 4 GPUs x IMAGES_PER_GPU: 48 for W32 (the W48 variants set 40).
# `higherhrnet train --auto-scale-lr` scales the lr linearly to the batch actually used.
auto_scale_lr = dict(enable=False, base_batch_size=48)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    # loss terms, lr, time per iteration, data time and the ETA every 50 iterations
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # a checkpoint after every epoch as the official code writes one, the last three kept, plus the
    # best by validation AP (dataset files name the metric)
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3, save_best='coco/AP', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # every 50th validation image drawn with its predicted people into vis_data/ (and TensorBoard). On
    # because it is cheap: 16 ms and ~0.5 MB (PNG) per 640 x 480 picture, so COCO val's 5000 images give 100
    # pictures, 1.6 s and ~50 MB per validation (~1.5 GB over the 30 of a full run; enable=False or a larger
    # interval to save the disk). `higherhrnet test --show-dir DIR` draws every test image into DIR;
    # show_heatmaps=True adds the heatmaps and the tag map (one more network pass per drawn image).
    visualization=dict(type='higherhrnet.PoseVisualizationHook', enable=True, interval=50),
)
custom_hooks = [
    # Checkpoints that torch.load(weights_only=True) reads: for resuming with PyTorch >= 2.6 and for the
    # project's tools, which never unpickle code.
    dict(type='higherhrnet.WeightsOnlyCheckpointHook'),
    # A run that loads or resumes a checkpoint does not read the backbone's ImageNet file: the
    # checkpoint replaces those weights.
    dict(type='higherhrnet.CheckpointOverPretrainedHook'),
    # A warning per setting (checkpoint and validation interval, lr milestones) that does not fit the
    # data's iterations per epoch, e.g. on a fine-tune of a few images.
    dict(type='higherhrnet.ScheduleFitHook'),
]
# Loss terms with 3 significant digits (push and pull are ~1e-4); in a multi-process run they are the
# means over the processes (HigherHRNet.parse_losses).
log_processor = dict(type='higherhrnet.SignificantLogProcessor', window_size=50, by_epoch=True)
log_level = 'INFO'
# Local files only (vis_data/ in the run's folder); `higherhrnet train --tensorboard` adds TensorBoard.
# PoseVisualizer draws the pictures of the visualization hook.
visualizer = dict(type='higherhrnet.PoseVisualizer', vis_backends=[dict(type='LocalVisBackend')])

# CUDNN.BENCHMARK True; NCCL between GPUs (`higherhrnet train` switches to gloo without CUDA).
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
# seed=None draws one per run (the official code seeds nothing); set a seed to repeat a run.
randomness = dict(seed=None, deterministic=False)

# Weights to start from (e.g. ImageNet HRNet is the model's own initialisation; load_from is a
# whole checkpoint), and whether to resume the latest checkpoint of the work dir.
load_from = None
resume = False
