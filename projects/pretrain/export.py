"""Backbone weights out of a pretraining model / checkpoint, keyed for a detector's backbone, and
a check of those keys against a detector config.

    python -m labeleff.projects.pretrain.export --checkpoint output/x/model_final.pth \
        --out backbone.pth --prefix backbone.bottom_up. \
        --check-config configs/common/models/faster_rcnn_tiny.py
"""

import argparse
import logging
from typing import Dict

import torch
from detectron2.engine import HookBase
from torch import nn

__all__ = [
    "backbone_state_dict",
    "export_backbone",
    "check_backbone_keys",
    "assert_backbone_keys",
    "ExportBackboneHook",
    "load_detector_model",
    "SOURCE_PREFIX",
]

logger = logging.getLogger(__name__)
SOURCE_PREFIX = "encoder.backbone."  # where the pretraining models keep their backbone


def backbone_state_dict(
    source, src_prefix: str = SOURCE_PREFIX, drop_num_batches_tracked: bool = False
) -> Dict[str, torch.Tensor]:
    """Backbone tensors of a pretraining model (nn.Module with `.backbone`), a checkpoint path, or a
    state dict ({"model": ...} or flat), with `src_prefix` stripped. Raises KeyError if none match.
    """
    if isinstance(source, nn.Module):
        sd = source.backbone.state_dict()
    else:
        sd = (
            torch.load(source, map_location="cpu", weights_only=False)
            if isinstance(source, str)
            else source
        )
        sd = sd.get("model", sd)
        sd = {k[len(src_prefix) :]: v for k, v in sd.items() if k.startswith(src_prefix)}
        if not sd:
            raise KeyError(f"no key starts with {src_prefix!r} in the checkpoint")
    if drop_num_batches_tracked:
        sd = {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
    return {k: v.detach().cpu() for k, v in sd.items()}


def export_backbone(
    source,
    out_path: str,
    prefix: str = "backbone.bottom_up.",
    src_prefix: str = SOURCE_PREFIX,
    drop_num_batches_tracked: bool = False,
) -> Dict:
    """Write `{"model": {prefix + key: tensor}, "__author__": ...}` to out_path (a file Detectron2's
    checkpointer loads as `train.init_checkpoint`). prefix: `backbone.bottom_up.` for FPN detectors,
    `backbone.` for a plain backbone, "" for the bare backbone. Returns the written state dict."""
    import io

    from labeleff.checkpoint import atomic_write_bytes

    sd = {
        prefix + k: v
        for k, v in backbone_state_dict(source, src_prefix, drop_num_batches_tracked).items()
    }
    buf = io.BytesIO()
    torch.save({"model": sd, "__author__": "labeleff.projects.pretrain"}, buf)
    atomic_write_bytes(out_path, buf.getvalue())
    logger.info(f"Exported {len(sd)} backbone tensors to {out_path} (prefix {prefix!r})")
    return sd


def check_backbone_keys(
    detector: nn.Module, state_dict: Dict[str, torch.Tensor], prefix: str = "backbone.bottom_up."
) -> Dict[str, list]:
    """Compare an exported state dict with `detector.state_dict()` under `prefix`.

    Returns {"missing": detector keys under prefix absent from the file, "unexpected": file keys
    the detector lacks, "shape_mismatch": [(key, file shape, model shape)]}; `num_batches_tracked`
    counts like any buffer.
    """
    sd = state_dict.get("model", state_dict)
    target = {k: v for k, v in detector.state_dict().items() if k.startswith(prefix)}
    missing = sorted(k for k in target if k not in sd)
    unexpected = sorted(k for k in sd if k not in target)
    mismatch = sorted(
        (k, tuple(sd[k].shape), tuple(target[k].shape))
        for k in sd
        if k in target and tuple(sd[k].shape) != tuple(target[k].shape)
    )
    return {"missing": missing, "unexpected": unexpected, "shape_mismatch": mismatch}


def assert_backbone_keys(
    detector: nn.Module, state_dict: Dict[str, torch.Tensor], prefix: str = "backbone.bottom_up."
) -> None:
    """`check_backbone_keys` as an error: raises ValueError naming the first keys of each kind that
    differ (Detectron2's load of a `train.init_checkpoint` only warns about them)."""
    rep = check_backbone_keys(detector, state_dict, prefix)
    if any(rep.values()):
        kinds = [f"{len(v)} {kind} (first: {v[:3]})" for kind, v in rep.items() if v]
        raise ValueError(
            f"exported backbone does not match the detector's keys under {prefix!r}: "
            + "; ".join(kinds)
        )


def load_detector_model(config_file: str, overrides=()) -> nn.Module:
    """Instantiate `model` of a LazyConfig (a detector) on the CPU."""
    from detectron2.config import instantiate

    from labeleff.config import load_config

    return instantiate(load_config(config_file, list(overrides)).model)


class ExportBackboneHook(HookBase):
    """After training, export the model's backbone to `out_path` (keys `prefix` + backbone keys)."""

    def __init__(
        self,
        out_path: str,
        prefix: str = "backbone.bottom_up.",
        drop_num_batches_tracked: bool = False,
    ):
        self.out_path, self.prefix, self.drop = out_path, prefix, drop_num_batches_tracked

    def after_train(self):
        from detectron2.utils import comm

        if comm.is_main_process():
            model = self.trainer.model
            model = getattr(model, "module", model)
            export_backbone(model, self.out_path, self.prefix, drop_num_batches_tracked=self.drop)


def main(argv=None):
    p = argparse.ArgumentParser(description="Export pretrained backbone weights for a detector")
    p.add_argument("--checkpoint", required=True, help="a pretraining checkpoint (model_final.pth)")
    p.add_argument("--out", required=True)
    p.add_argument(
        "--prefix",
        default="backbone.bottom_up.",
        help="key prefix in the detector ('backbone.' for a plain backbone)",
    )
    p.add_argument("--src-prefix", default=SOURCE_PREFIX)
    p.add_argument(
        "--drop-num-batches-tracked",
        action="store_true",
        help="for detectors with FrozenBN (no num_batches_tracked buffer)",
    )
    p.add_argument(
        "--check-config", default=None, help="a detector LazyConfig to check keys against"
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    sd = export_backbone(
        args.checkpoint, args.out, args.prefix, args.src_prefix, args.drop_num_batches_tracked
    )
    if args.check_config:
        rep = check_backbone_keys(load_detector_model(args.check_config), sd, args.prefix)
        for k, v in rep.items():
            print(f"{k}: {len(v)}" + (f" e.g. {v[:5]}" if v else ""))
        return 1 if any(rep.values()) else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
