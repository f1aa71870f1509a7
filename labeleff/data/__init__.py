"""Datasets: catalog registration from configs (COCO, VOC / YOLO as COCO, Cityscapes detection and
semantic, VOC aug, CamVid, image + mask folders, plain image folders), the synthetic demo set,
format converters, splits."""

from .catalog import (
    datasets_root,
    num_classes_of,
    register_coco,
    register_datasets,
    register_voc,
    shared_data_root,
)
from .cityscapes_detection import (
    CITYSCAPES_CLASSES,
    load_cityscapes_detection,
    register_cityscapes_detection,
)
from .class_subset import register_detection_classes, restrict_coco_classes
from .coco_io import DatasetFormatError, load_class_names, load_coco_json, write_coco_json
from .convert_voc import voc_to_coco
from .convert_yolo import yolo_split_dirs, yolo_to_coco
from .converted import (
    register_voc_as_coco,
    register_voc_dirs,
    register_yolo_as_coco,
    voc_as_coco_json,
    yolo_as_coco_json,
)
from .demo import DEMO_CLASSES, apply_fog, make_demo_detection, register_demo_detection
from .image_folder import list_images, load_image_folder, register_image_folder
from .segmentation import register_camvid, register_cityscapes, register_sem_seg, register_voc_aug
from .splits import split_coco, write_recipe_splits, write_split
