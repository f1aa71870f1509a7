"""MIC on your own domain shift: a labeled source (COCO json + images), a folder of raw
target-domain images for training (recursive, no annotation file) and a labeled target test set
(COCO json + images, the source's class names in the same order). The recipe is
coco128_to_dawnfog.py's (Lite0 FPN Faster R-CNN on CPU, image + instance DA, MIC); the class count
comes from the source json.

    python tools/train_net.py --config-file configs/mic_uda/custom.py \
        dataloader.source_json=src/train.json dataloader.source_images=src/images \
        dataloader.target_images=target_raw \
        dataloader.target_test_json=tgt/test.json dataloader.target_test_images=tgt/images \
        train.max_iter=2000
    ... model.mic=False   # base UDA only (the source-only twin: model=model.student, no target)

LR steps follow `train.max_iter`. On a GPU: `train.device=cuda`.
"""

from detectron2.config import LazyCall as L

from labeleff.data import register_coco, register_image_folder

from .coco128_to_dawnfog import dataloader, lr_multiplier, model, optimizer, train

del dataloader["data_root"]
dataloader.source_json = None
dataloader.source_images = None
dataloader.target_images = None  # a folder of images, searched recursively
dataloader.target_test_json = None
dataloader.target_test_images = None
datasets = dict(
    source=L(register_coco)(
        name="custom_source",
        json_file="${dataloader.source_json}",
        image_root="${dataloader.source_images}",
    ),
    target=L(register_image_folder)(name="custom_target", folder="${dataloader.target_images}"),
    target_test=L(register_coco)(
        name="custom_target_test",
        json_file="${dataloader.target_test_json}",
        image_root="${dataloader.target_test_images}",
        same_classes_as="${datasets.source.name}",
    ),
)
dataloader.test.dataset.names = "${datasets.target_test.name}"
dataloader.evaluator.dataset_name = "${datasets.target_test.name}"
train.output_dir = "./output/mic_uda/custom"
