"""Datasets: catalog registration from configs, the synthetic demo set, format converters, splits."""
from .catalog import datasets_root, register_coco, register_datasets
from .demo import DEMO_CLASSES, apply_fog, make_demo_detection, register_demo_detection
