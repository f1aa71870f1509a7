"""The Soft Teacher demo (demo_cpu.py) with a student that has batch-norm running statistics: the
tiny TinyResNet (BN) + FPN-64 Faster R-CNN trained from scratch. The Lite0 student of the demo has
FrozenBN + GN and no floating buffers, so the engine's teacher-statistics defaults (teacher
buffers EMA'd like its weights; student statistics from the labeled images only) change nothing
there; here they do. The engine's earlier behaviour, for comparison:

    python tools/train_net.py --config-file configs/soft_teacher/demo_cpu_bn.py
    python tools/train_net.py --config-file configs/soft_teacher/demo_cpu_bn.py \
        train.hooks.0.buffers=copy model.update_student_bn_on_unlabeled=True \
        train.output_dir=./output/soft_teacher/demo_cpu_bn_copy
"""

from ..common.models.faster_rcnn_tiny import model as _tiny
from .demo_cpu import dataloader, datasets, lr_multiplier, model, optimizer, train

_tiny.roi_heads.num_classes = model.student.roi_heads.num_classes  # read from the labeled split
model.student = _tiny
# the engine's defaults, named so that the comparison above is a checked override
model.update_student_bn_on_unlabeled = False
train.hooks[0].buffers = "ema"
train.output_dir = "./output/soft_teacher/demo_cpu_bn"
