#!/usr/bin/env python
"""Train or evaluate any project of labeleff from a Python LazyConfig.

python tools/train_net.py --config-file configs/baselines/faster_rcnn_demo_cpu.py [key=value ...]
python tools/train_net.py --config-file F --eval-only train.init_checkpoint=model_final.pth
python tools/train_net.py --config-file F --num-gpus 8 --resume
"""

import labeleff  # noqa: F401  # isort: skip  (sets up Detectron2's _C before Detectron2 imports it)
from labeleff.engine.train_net import launch_main

if __name__ == "__main__":
    launch_main()
