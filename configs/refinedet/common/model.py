"""RefineDet320 with VGG16-reduced (paper settings; official sfzhang15/RefineDet where noted)."""

from detectron2.config import LazyCall as L

from labeleff.projects.refinedet import (
    RefineDet,
    RefineDetHead,
    build_refinedet_anchor_generator,
    build_vgg16_reduced,
    official_test_scales,
    vgg16_reduced_channels,
)

model = L(RefineDet)(
    backbone=L(build_vgg16_reduced)(
        width_mult=1.0,
        imagenet_weights="",  # local torchvision VGG16 ImageNet state_dict (converted on load)
    ),
    head=L(RefineDetHead)(
        in_channels=L(vgg16_reduced_channels)(width_mult="${...backbone.width_mult}"),
        num_anchors=3,  # aspect ratios 1, 2, 1/2 per location
        num_classes="${..num_classes}",
        tcb_channels=256,  # TCB / P3-P6 width
    ),
    anchor_generator=L(build_refinedet_anchor_generator)(
        strides=[8, 16, 32, 64],
        size_per_stride=4.0,  # min_sizes 32, 64, 128, 256
        aspect_ratios=[1.0, 0.5, 2.0],  # Detectron2 h/w ratios = Caffe's [1, 2, 1/2] order
    ),
    num_classes=20,
    # torchvision VGG16 weights expect RGB with ImageNet statistics (the official Caffe model:
    # BGR minus [104, 117, 123]).
    pixel_mean=[123.675, 116.28, 103.53],
    pixel_std=[58.395, 57.12, 57.375],
    input_format="RGB",
    box_variances=[0.1, 0.2],  # prior_variance [0.1, 0.1, 0.2, 0.2]
    iou_threshold=0.5,  # overlap_threshold
    neg_pos_ratio=3.0,  # hard negative mining 3:1
    objectness_threshold=0.01,  # objectness_score: negative anchor filtering and test filtering
    test_size=320,
    score_threshold=0.01,  # confidence_threshold
    nms_threshold=0.45,
    topk_per_class=1000,  # nms top_k
    max_detections_per_image=500,  # keep_top_k
    multiscale_test=False,  # official multi-scale + flip test (test/refinedet_test.py)
    test_scales=L(official_test_scales)(input_size="${..test_size}", coco=False),
    vote="bbox_vote",  # multi-scale merge: bbox_vote (VOC) / soft_bbox_vote (COCO)
    vote_iou_threshold=0.45,
    soft_nms_iou_threshold=None,  # single-scale test: None (VOC) / 0.3 linear Soft-NMS (COCO)
)
