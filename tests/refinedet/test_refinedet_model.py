"""RefineDet end to end on a tiny model: training reduces the loss, bad input gives finite losses,
inference returns Instances in the requested output size (single- and multi-scale)."""

import math

import pytest
import torch
from detectron2.structures import Boxes, Instances

from labeleff.projects.refinedet import (
    RefineDet,
    RefineDetHead,
    build_refinedet_anchor_generator,
    official_test_scales,
)
from labeleff.projects.refinedet.vgg import VGG16Reduced

SIZE = 128


def tiny_model(num_classes=3, **kwargs):
    torch.manual_seed(0)
    backbone = VGG16Reduced(width_mult=0.0625)
    shapes = backbone.output_shape()
    head = RefineDetHead([s.channels for s in shapes.values()], 3, num_classes, tcb_channels=16)
    return RefineDet(
        backbone=backbone,
        head=head,
        anchor_generator=build_refinedet_anchor_generator(),
        num_classes=num_classes,
        pixel_mean=[128.0, 128.0, 128.0],
        pixel_std=[64.0, 64.0, 64.0],
        test_size=SIZE,
        **kwargs,
    )


def sample(boxes, classes, seed):
    g = torch.Generator().manual_seed(seed)
    image = torch.randint(0, 256, (3, SIZE, SIZE), dtype=torch.uint8, generator=g)
    inst = Instances((SIZE, SIZE))
    inst.gt_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).view(-1, 4))
    inst.gt_classes = torch.tensor(classes, dtype=torch.long)
    for (x0, y0, x1, y1), c in zip(boxes, classes):  # paint the objects so they are learnable
        image[c, int(y0) : int(y1), int(x0) : int(x1)] = 255
    return {"image": image, "instances": inst}


def test_training_iterations_reduce_loss():
    model = tiny_model()
    model.train()
    batch = [
        sample([[10, 10, 60, 70], [70, 20, 120, 100]], [0, 2], 1),
        sample([[30, 40, 90, 110]], [1], 2),
    ]
    opt = torch.optim.SGD(model.parameters(), lr=2e-3, momentum=0.9)
    totals = []
    for _ in range(8):
        losses = model(batch)
        assert set(losses) == {"loss_arm_loc", "loss_arm_cls", "loss_odm_loc", "loss_odm_cls"}
        total = sum(losses.values())
        totals.append(total.item())
        opt.zero_grad()
        total.backward()
        opt.step()
    assert totals[-1] < 0.8 * totals[0], totals


def test_bad_input_gives_finite_losses():
    model = tiny_model()
    model.train()
    batch = [
        sample([], [], 3),  # no boxes
        sample(
            [[200, 200, 300, 300], [-50, 10, -5, 60], [20, 20, 20, 50]], [0, 1, 2], 4
        ),  # outside / empty
        sample([[-20, -20, 40, 50]], [1], 5),  # crosses the border
    ]
    losses = model(batch)
    total = sum(losses.values())
    assert all(math.isfinite(v.item()) for v in losses.values())
    total.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    only_empty = model([sample([], [], 6)])
    assert all(v.item() == 0.0 for v in only_empty.values())


@pytest.mark.parametrize("multiscale", [False, True])
def test_inference_output_size(multiscale):
    kwargs = {}
    if multiscale:
        scales = official_test_scales(320, coco=True)[:3]
        for s in scales:  # shrink the official 320 set to the tiny test size
            s["size"] = s["size"] * SIZE // 320 // 64 * 64 or 64
            s["short"] = None if s["short"] is None else 64
        kwargs = dict(multiscale_test=True, test_scales=scales, vote="soft_bbox_vote")
    model = tiny_model(**kwargs)
    model.eval()
    with torch.no_grad():
        out = model([{"image": sample([], [], 7)["image"], "height": 200, "width": 300}])
    inst = out[0]["instances"]
    assert inst.image_size == (200, 300)
    assert len(inst) > 0
    boxes = inst.pred_boxes.tensor
    assert (boxes[:, 0::2] <= 300).all() and (boxes[:, 1::2] <= 200).all() and (boxes >= 0).all()
    assert inst.scores.min() > 0.01 and inst.pred_classes.max() < 3
    if not multiscale:
        assert len(inst) <= 500
