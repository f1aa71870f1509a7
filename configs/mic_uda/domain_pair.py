"""MIC on any labeled domain pair: a source and a target detection set (each a COCO json + image
folder or a VOC folder), restricted to the classes they share (`dataloader.classes`, matched by
name, renumbered in that order). The target's labels are hidden in training (they only score the
pseudo-labels) and the target images are the test set, as in coco128_to_dawnfog.py (whose recipe
this is: Lite0 FPN Faster R-CNN on CPU, image + instance DA, MIC) and the small DA benchmarks
(custom.py takes a separate target test set). The config of tools/benchmark_mic.py;
`domain_pair_source_only.py` is its source-only twin.

    python tools/train_net.py --config-file configs/mic_uda/domain_pair.py \
        dataloader.source_json=src/train.json dataloader.source_images=src/images \
        dataloader.target_voc_root=fog_voc 'dataloader.classes=[person,car,bus]'
    ... model.mic=False   # base UDA only
"""

from detectron2.config import LazyCall as L

from labeleff.data import register_detection_classes

from .coco128_to_dawnfog import dataloader, lr_multiplier, model, optimizer, train

del dataloader["data_root"]
dataloader.classes = None  # the class names both domains share, in this order (required)
for _domain in ("source", "target"):
    dataloader[f"{_domain}_json"] = None  # a COCO json + its image folder ...
    dataloader[f"{_domain}_images"] = None
    dataloader[f"{_domain}_voc_root"] = None  # ... or a VOC folder (+ optional image set)
    dataloader[f"{_domain}_image_set"] = None


def _domain(part, keep_empty_images):
    return L(register_detection_classes)(
        name=f"domain_pair_{part}",
        classes="${dataloader.classes}",
        coco_json=f"${{dataloader.{part}_json}}",
        image_root=f"${{dataloader.{part}_images}}",
        voc_root=f"${{dataloader.{part}_voc_root}}",
        image_set=f"${{dataloader.{part}_image_set}}",
        keep_empty_images=keep_empty_images,
    )


# source images without a shared class are dropped (coco128_to_dawnfog.py does the same); target
# images are all kept: the raw target domain
datasets = dict(source=_domain("source", False), target=_domain("target", True))
train.output_dir = "./output/mic_uda/domain_pair"
