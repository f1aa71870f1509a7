"""A few training iterations of YOLOX-nano on a tiny synthetic batch, the recipe's hooks, and an
untrained model evaluating to finite boxes."""

import cv2
import numpy as np
import pytest
import torch
from detectron2.data import build_detection_train_loader
from detectron2.engine import SimpleTrainer
from detectron2.structures import Boxes, BoxMode, Instances

from labeleff.projects.yolox import (
    YOLOPAFPN,
    YOLOX,
    CSPDarknet,
    ModelEMAHook,
    MosaicMixupDataset,
    NoAugSwitchHook,
    YOLOXDatasetMapper,
    YOLOXHead,
    cspdarknet_channels,
)
from labeleff.projects.yolox.data import Letterbox


def nano(num_classes=2, box_loss="iou"):
    """YOLOX-nano: depth 0.33, width 0.25, depthwise convs."""
    backbone = YOLOPAFPN(
        bottom_up=CSPDarknet(depth=0.33, width=0.25, depthwise=True), depth=0.33, depthwise=True
    )
    head = YOLOXHead(
        in_channels=cspdarknet_channels(0.25), num_classes=num_classes, width=0.25, depthwise=True
    )
    return YOLOX(backbone=backbone, head=head, box_loss=box_loss)


def _batch():
    torch.manual_seed(0)
    batch = []
    for boxes, classes in [
        ([[8.0, 8, 40, 30], [30, 34, 60, 60]], [0, 1]),
        ([[16.0, 4, 28, 56]], [1]),
    ]:
        image = torch.full((3, 64, 64), 114.0)
        for (x1, y1, x2, y2), c in zip(boxes, classes):
            image[:, int(y1) : int(y2), int(x1) : int(x2)] = 30.0 if c == 0 else 220.0
        inst = Instances((64, 64))
        inst.gt_boxes = Boxes(torch.tensor(boxes))
        inst.gt_classes = torch.tensor(classes)
        batch.append({"image": image, "instances": inst})
    return batch


def _train_totals(box_loss, iterations=25):
    torch.manual_seed(0)
    model = nano(box_loss=box_loss)
    model.train()
    # Adam: the recipe's SGD (lr 0.01 / 64 per image) needs far more than a test's iterations.
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    batch = _batch()
    totals = []
    for _ in range(iterations):
        losses = model(batch)
        total = sum(losses.values())
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        totals.append(total.item())
    assert set(losses) == {"loss_cls", "loss_obj", "loss_box"}
    return np.array(totals)


def test_untrained_model_with_huge_outputs_evaluates_to_finite_boxes():
    """Before the test-time clamp, exp(log-size) overflowed to inf for an early model and
    `detector_postprocess` failed ("Box tensor contains infinite or NaN!")."""
    torch.manual_seed(0)
    model = nano().eval()
    with torch.no_grad():
        for conv in model.head.reg_preds:
            conv.weight.mul_(1e4)
            conv.bias[2:] = 100.0  # log-sizes ~100: exp overflows float32 (above ~88.7)
        for conv in [*model.head.cls_preds, *model.head.obj_preds]:
            conv.weight.mul_(1e4)
            conv.bias.fill_(20.0)  # every point scores ~1, so boxes reach post-processing
    deltas = []
    model.head.register_forward_hook(lambda module, inputs, out: deltas.append(out[2]))
    batch = [{"image": x["image"], "height": 128, "width": 96} for x in _batch()]
    with torch.no_grad():
        results = model(batch)
    assert deltas[0][..., 2:].min() > 89  # unclamped, every size would be inf
    for result in results:
        instances = result["instances"]
        assert instances.image_size == (128, 96) and len(instances) > 0
        assert torch.isfinite(instances.pred_boxes.tensor).all()
        assert torch.isfinite(instances.scores).all()


def test_nano_loss_decreases():
    totals = _train_totals("iou")
    # SimOTA re-assigns every step, so the loss is noisy: compare means of 3 iterations.
    assert np.isfinite(totals).all()
    assert totals[-3:].mean() < 0.8 * totals[:3].mean(), totals


@pytest.mark.slow
def test_nano_loss_decreases_with_ciou():
    totals = _train_totals("ciou")
    assert totals[-3:].mean() < 0.8 * totals[:3].mean(), totals


def test_inference_returns_instances_in_original_size():
    model = nano().eval()
    with torch.no_grad():
        out = model([{"image": torch.zeros(3, 32, 64), "height": 64, "width": 128}])
    assert out[0]["instances"].image_size == (64, 128)
    assert model.evaluation_models() == {"": model}


def _loader(tmp_path):
    dicts = []
    for i in range(4):
        path = str(tmp_path / f"{i}.png")
        image = np.full((48, 48, 3), 114, np.uint8)
        image[8:40, 10:30] = 40 * i
        cv2.imwrite(path, image)
        dicts.append(
            {
                "file_name": path,
                "image_id": i,
                "height": 48,
                "width": 48,
                "annotations": [
                    {"bbox": [10.0, 8, 30, 40], "bbox_mode": BoxMode.XYXY_ABS, "category_id": i % 2}
                ],
            }
        )
    dataset = MosaicMixupDataset(dicts, input_size=(64, 64))
    mapper = YOLOXDatasetMapper(True, augmentations=[Letterbox(64)])
    loader = build_detection_train_loader(
        dataset, mapper=mapper, total_batch_size=2, aspect_ratio_grouping=False, num_workers=0
    )
    return dataset, loader


def test_no_aug_switch_and_ema_hooks(tmp_path):
    torch.manual_seed(0)
    dataset, loader = _loader(tmp_path)
    model = nano()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    trainer = SimpleTrainer(model, loader, optimizer)
    ema_hook = ModelEMAHook(decay=0.9998, tau=2000.0)
    trainer.register_hooks([NoAugSwitchHook(no_aug_iters=2), ema_hook])
    trainer.train(0, 5)
    assert not dataset.enable_mosaic and not dataset.enable_mixup and model.use_l1
    assert "loss_l1" in trainer.storage.histories()  # computed in iterations 3 and 4
    ema = model.evaluation_models()["ema"]
    assert ema is ema_hook.ema and not ema.training
    # After t updates, EMA weight = sum of weights with decays d_t = 0.9998 (1 - exp(-t / 2000)),
    # tiny here: the EMA follows the model closely but is not equal to it.
    w, w_ema = model.head.cls_preds[0].weight, ema.head.cls_preds[0].weight
    assert not torch.equal(w, w_ema) and torch.allclose(w, w_ema, atol=1e-2)
    state = trainer.state_dict()["hooks"]
    assert state["ModelEMAHook"]["updates"] == 5


def test_yacs_build_through_registries():
    from detectron2.config import get_cfg
    from detectron2.modeling import build_model

    from labeleff.projects.yolox import add_yolox_config

    cfg = get_cfg()
    add_yolox_config(cfg)
    cfg.MODEL.META_ARCHITECTURE = "YOLOX"
    cfg.MODEL.BACKBONE.NAME = "YOLOPAFPN"
    cfg.MODEL.YOLOX.WIDTH = 0.25
    cfg.MODEL.YOLOX.DEPTHWISE = True
    cfg.MODEL.DEVICE = "cpu"
    model = build_model(cfg)
    assert isinstance(model, YOLOX) and model.square_size == 640
    # YOLOX-nano with 80 classes: 0.91 M parameters (official)
    assert sum(p.numel() for p in model.parameters()) / 1e6 == pytest.approx(0.91, abs=0.01)
    mapper = YOLOXDatasetMapper(cfg, is_train=True)
    assert mapper.augmentations.augs[-1].size == 640


def test_ema_hook_state_round_trip(tmp_path):
    torch.manual_seed(0)
    _, loader = _loader(tmp_path)
    model = nano()
    trainer = SimpleTrainer(model, loader, torch.optim.SGD(model.parameters(), lr=0.01))
    trainer.register_hooks([ModelEMAHook()])
    trainer.train(0, 2)
    ema = model.evaluation_models()["ema"]

    resumed_model = nano()
    resumed = SimpleTrainer(
        resumed_model, loader, torch.optim.SGD(resumed_model.parameters(), lr=0.01)
    )
    hook = ModelEMAHook()
    resumed.register_hooks([hook])
    resumed.load_state_dict(trainer.state_dict())  # what the checkpointer does on --resume
    assert hook.updates == 2 and resumed_model.evaluation_models()["ema"] is hook.ema
    for (name, a), b in zip(ema.state_dict().items(), hook.ema.state_dict().values()):
        assert torch.equal(a, b), name
