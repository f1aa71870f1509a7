"""Mean-teacher pseudo-labeling (projects/mean_teacher, the engine contract's example) on the
Soft Teacher demo: same data, views, detector, schedule and EMA; hard 0.7 pseudo-labels.

    python tools/train_net.py --config-file configs/mean_teacher/demo_cpu.py
"""

from detectron2.config import LazyCall as L

from labeleff.projects.mean_teacher import MeanTeacher
from labeleff.schedule import follows_max_iter

from ..soft_teacher.demo_cpu import dataloader, datasets, detector, lr_multiplier, optimizer, train

model = L(MeanTeacher)(
    student=detector,
    score_threshold=0.7,
    unsup_weight=1.0,
    eval_model="teacher",
    burn_in_iters=follows_max_iter(200, of=train.max_iter),
)
train.output_dir = "./output/mean_teacher/demo_cpu"
