"""The PNG of tools/benchmark_mic.py: target AP50 per variant and seed, and for the first seed's MIC
run a few target images as weak view + pseudo-labels | masked strong view + projected
pseudo-labels (what the MIC loss trains on) | hidden target labels (Detectron2 Visualizer)."""

import os
from typing import List, Sequence

import numpy as np
import torch
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.detection_utils import convert_image_to_rgb
from detectron2.utils.visualizer import Visualizer

from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.projects.teacher_student.box_projection import instances_between_views
from labeleff.tools_vis import load_model

from .benchmark import variant_config
from .masking import block_mask

__all__ = ["masked_view_rows", "write_report_png"]


def _panel(image_chw: torch.Tensor, boxes, classes, metadata, fmt: str, title: str) -> np.ndarray:
    rgb = convert_image_to_rgb(image_chw.permute(1, 2, 0).numpy(), fmt)
    vis = Visualizer(rgb, metadata)
    names = metadata.get("thing_classes", None)
    labels = [names[int(c)] if names else str(int(c)) for c in classes]
    vis.overlay_instances(boxes=np.asarray(boxes), labels=labels)
    vis.draw_text(title, (4, 4), horizontal_alignment="left")
    return vis.get_output().get_image()


@torch.no_grad()
def masked_view_rows(run_dir: str, overrides: Sequence[str], max_images: int = 3) -> List:
    """(H, 3W, 3) uint8 rows from the MIC run in `run_dir` (its model_final.pth): the teacher's
    pseudo-labels on the weak view, the block-masked strong view with the projected
    pseudo-labels (masked blocks drawn in the mean colour), and the hidden target labels."""
    cfg = load_config(variant_config("mic", any("dataloader." in o for o in overrides)), overrides)
    register_datasets(cfg)
    model = load_model(cfg, os.path.join(run_dir, "model_final.pth"))
    name = cfg.datasets.target.name
    metadata = MetadataCatalog.get(name)
    mapper = instantiate(cfg.dataloader.unlabeled.mapper)
    records = DatasetCatalog.get(name)
    fmt = model.student.input_format
    mean = model.student.pixel_mean.cpu()
    generator = torch.Generator().manual_seed(0)
    rows = []
    for i in np.linspace(0, len(records) - 1, min(max_images, len(records))).astype(int):
        item = mapper(records[i])
        (pseudo,) = model.pseudo_label([item])
        strong = instances_between_views(pseudo, item["weak"], item["strong"])
        image = item["strong"]["image"]
        mask = block_mask(
            image.shape[-2:], model.mask_block_size, model.mask_ratio, None, generator
        )
        masked = (image * mask + mean * (1 - mask)).to(torch.uint8)
        weak = item["weak"]["image"]
        hidden = item["weak"].get("instances")  # the target labels the mapper carries along
        panels = [
            _panel(weak, pseudo.gt_boxes.tensor, pseudo.gt_classes, metadata, fmt, "weak + pseudo"),
            _panel(masked, strong.gt_boxes.tensor, strong.gt_classes, metadata, fmt, "masked"),
        ]
        if hidden is not None:
            panels.append(
                _panel(weak, hidden.gt_boxes.tensor, hidden.gt_classes, metadata, fmt, "hidden")
            )
        height = max(p.shape[0] for p in panels)
        panels = [np.pad(p, ((0, height - p.shape[0]), (0, 4), (0, 0))) for p in panels]
        rows.append(np.concatenate(panels, axis=1))
    return rows


def write_report_png(result: dict, output_dir: str, path: str, max_images: int = 3) -> str:
    """Bars of the target AP50 per seed and variant, then the first seed's masked-view rows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = result["summary"]
    seeds, key = summary["seeds"], f"{summary['model']}_AP50"
    rows = []
    if "mic" in summary["variants"]:
        rows = masked_view_rows(
            os.path.join(output_dir, f"seed{seeds[0]}", "mic"),
            [*result["overrides"], *result.get("uda_overrides", [])],
            max_images,
        )
    fig, axes = plt.subplots(1 + len(rows), 1, figsize=(14, 4 + 3.5 * len(rows)), squeeze=False)
    ax = axes[0, 0]
    variants = list(summary["variants"])
    width = 0.8 / len(variants)
    for k, v in enumerate(variants):
        values = [result["per_seed"][s][v].get(key) or 0.0 for s in seeds]
        mean = summary["variants"][v]["AP50"]["mean"]
        ax.bar(np.arange(len(seeds)) + k * width, values, width, label=f"{v} ({mean:.3f})")
    ax.set_xticks(np.arange(len(seeds)) + 0.4 - width / 2, [f"seed {s}" for s in seeds])
    ax.set_ylabel(f"target AP50 ({summary['model']})")
    ax.legend(fontsize=8)
    for k, row in enumerate(rows):
        axes[k + 1, 0].imshow(row)
        axes[k + 1, 0].set_axis_off()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
