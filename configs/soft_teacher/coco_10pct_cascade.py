"""Soft Teacher with a Cascade R-CNN R50-FPN student (configs/common/models/cascade_rcnn_fpn.py),
COCO 10 % labeled, otherwise coco_10pct.py. The teacher scores and refines given boxes with its
last stage (soft background weights, box-jitter uncertainty); the student's unsupervised ROI
losses run all three stages, as Cascade's own training, summed per term. The paper reports
Faster R-CNN only; this variant keeps its thresholds and weights.

    python tools/train_net.py --config-file configs/soft_teacher/coco_10pct_cascade.py \
        --num-gpus 8 dataloader.fold=1
"""

from ..common.models.cascade_rcnn_fpn import model as _cascade
from .coco_10pct import dataloader, datasets, lr_multiplier, model, optimizer, train

_cascade.roi_heads.num_classes = model.student.roi_heads.num_classes  # from the labeled split
model.student = _cascade
train.output_dir = "./output/soft_teacher/coco_10pct_cascade"
