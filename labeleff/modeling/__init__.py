"""Small building blocks shared by the projects' CPU configs."""
from .tiny_backbone import TinyResNet, build_tiny_resnet_fpn_backbone
