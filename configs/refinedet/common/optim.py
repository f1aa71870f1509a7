"""Official RefineDet solver: SGD lr 1e-3 (batch 32), momentum 0.9, weight decay 5e-4; biases
with lr_mult 2 and decay_mult 0 (Caffe model_libs ConvBNLayer)."""

import torch
from detectron2.config import LazyCall as L
from detectron2.solver.build import get_default_optimizer_params

SGD = L(torch.optim.SGD)(
    params=L(get_default_optimizer_params)(
        base_lr="${..lr}", bias_lr_factor=2.0, weight_decay_bias=0.0
    ),
    lr=1e-3,
    momentum=0.9,
    weight_decay=5e-4,
)
