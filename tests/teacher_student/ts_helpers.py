"""Toy detector, toy teacher-student method and tiny image datasets for the engine tests."""

import os

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from detectron2.data import DatasetMapper
from detectron2.structures import Boxes, Instances
from torch import nn

from labeleff.projects.teacher_student import (
    MultiViewDatasetMapper,
    TeacherStudent,
    boxes_between_views,
    build_semi_supervised_train_loader,
    strong_view_augmentations,
    weak_view_augmentations,
)


def make_image_dataset(root, num_images=6, size=(32, 40), seed=0):
    """`num_images` random images written under `root`, each with one annotated box."""
    os.makedirs(str(root), exist_ok=True)
    rng = np.random.default_rng(seed)
    h, w = size
    dicts = []
    for i in range(num_images):
        path = os.path.join(str(root), f"img_{i}.png")
        cv2.imwrite(path, rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        x0, y0 = float(rng.integers(0, w // 2)), float(rng.integers(0, h // 2))
        box = [x0, y0, x0 + w / 3, y0 + h / 3]
        dicts.append(
            dict(
                file_name=path,
                image_id=i,
                height=h,
                width=w,
                annotations=[dict(bbox=box, bbox_mode=0, category_id=i % 2, iscrowd=0)],
            )
        )
    return dicts


class ToyDetector(nn.Module):
    """conv + BN + pooled linear head predicting one box (image-normalised XYXY) per image.
    Training: {"loss_box": L1 to the first gt box (0 when an image has none)}; inference:
    [{"instances": one box, score 1, class 0}]."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.head = nn.Linear(4, 4)

    def _predict(self, batched_inputs):
        preds = []
        for x in batched_inputs:
            img = x["image"].float()[None] / 255.0
            feat = F.relu(self.bn(self.conv(img))).mean(dim=(2, 3))
            preds.append(torch.sigmoid(self.head(feat))[0])
        return torch.stack(preds)  # (N, 4) in [0, 1]

    def forward(self, batched_inputs):
        preds = self._predict(batched_inputs)
        if not self.training:
            out = []
            for p, x in zip(preds, batched_inputs):
                h, w = x["image"].shape[-2:]
                inst = Instances((h, w))
                scale = torch.tensor([w, h, w, h], dtype=p.dtype)
                inst.pred_boxes = Boxes(p[None] * scale)
                inst.scores = torch.ones(1)
                inst.pred_classes = torch.zeros(1, dtype=torch.int64)
                out.append({"instances": inst})
            return out
        losses = []
        for p, x in zip(preds, batched_inputs):
            gt = x["instances"]
            if len(gt) == 0:
                losses.append(torch.zeros((), device=p.device))  # no target: no loss
                continue
            h, w = gt.image_size
            target = gt.gt_boxes.tensor[0] / torch.tensor([w, h, w, h], dtype=torch.float32)
            losses.append(F.l1_loss(p, target))
        return {"loss_box": torch.stack(losses).mean()}


class ToyTeacherStudent(TeacherStudent):
    """Pseudo-labels: teacher boxes on the weak view with score >= `threshold`, projected to the
    strong view; unsupervised loss: the student's own loss on the strong view."""

    threshold = 0.5

    def unsupervised_losses(self, unlabeled):
        with torch.no_grad():
            outputs = self.teacher([{"image": u["weak"]["image"]} for u in unlabeled])
        pseudo, student_inputs = [], []
        for out, item in zip(outputs, unlabeled):
            inst = out["instances"]
            inst = inst[inst.scores >= self.threshold]
            pseudo.append(inst)
            strong = item["strong"]
            target = Instances(tuple(strong["image"].shape[-2:]))
            target.gt_boxes = Boxes(
                boxes_between_views(inst.pred_boxes.tensor, item["weak"], strong)
            )
            target.gt_classes = inst.pred_classes
            student_inputs.append({"image": strong["image"], "instances": target})
        self.log_pseudo_labels(pseudo, unlabeled)
        return self.student(student_inputs)


def toy_loaders(dicts, labeled_batch=1, unlabeled_batch=2, seed=0, num_workers=0):
    """(labeled loader, unlabeled multi-view loader) on `dicts`, small resize ranges."""
    labeled = build_semi_supervised_train_loader(
        dicts,
        DatasetMapper(
            is_train=True, augmentations=weak_view_augmentations((28, 36), 64), image_format="BGR"
        ),
        labeled_batch,
        seed=seed,
        num_workers=num_workers,
    )
    views = {
        "weak": weak_view_augmentations((28, 36), 64),
        "strong": strong_view_augmentations((28, 36), 64),
    }
    unlabeled = build_semi_supervised_train_loader(
        dicts,
        MultiViewDatasetMapper(views),
        unlabeled_batch,
        seed=None if seed is None else seed + 1,
        num_workers=num_workers,
    )
    return labeled, unlabeled


def state_of(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}
