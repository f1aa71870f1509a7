"""Training options read by tools/train_net.py (labeleff.engine.train_net)."""

train = dict(
    output_dir="./output",
    init_checkpoint="",  # a local path (nothing is downloaded at run time)
    max_iter=90000,
    amp=dict(enabled=False),
    ddp=dict(broadcast_buffers=False, find_unused_parameters=False, fp16_compression=False),
    checkpointer=dict(period=5000, max_to_keep=3),
    eval_period=5000,
    log_period=20,
    device="cuda",
    seed=-1,  # -1: a random seed, logged; >= 0: deterministic data order and init
    hooks=[],  # extra LazyCall hook nodes, instantiated after the trainer
    trainer=None,  # LazyCall of a trainer class; None: AMPTrainer/SimpleTrainer
    vis_period=0,  # >0: write Visualizer PNGs of test predictions at each evaluation
    max_bad_images=100,  # unreadable training images skipped before training stops
)
