"""YOLOX test-time post-processing: score = obj * best class prob, threshold, class-wise NMS."""

from detectron2.layers import batched_nms
from detectron2.structures import Boxes, Instances


def yolox_postprocess(
    pred_boxes,
    cls_logits,
    obj_logits,
    image_size,
    score_thresh=0.01,
    nms_thresh=0.65,
    max_detections=300,
):
    """One image's predictions to Detectron2 `Instances` (in the input image's pixel frame).

    Args:
        pred_boxes (A, 4) XYXY; cls_logits (A, K); obj_logits (A,); image_size (H, W).
        score_thresh / nms_thresh: official YOLOX test_conf 0.01 / nmsthre 0.65.
    Returns:
        Instances with pred_boxes, scores, pred_classes, sorted by decreasing score.
    """
    class_prob, classes = cls_logits.sigmoid().max(dim=1)
    scores = obj_logits.sigmoid() * class_prob
    keep = scores >= score_thresh
    boxes, scores, classes = pred_boxes[keep], scores[keep], classes[keep]
    keep = batched_nms(boxes.float(), scores.float(), classes, nms_thresh)[:max_detections]
    result = Instances(tuple(image_size))
    result.pred_boxes = Boxes(boxes[keep])
    result.scores = scores[keep]
    result.pred_classes = classes[keep]
    return result
