"""The PNG of tools/benchmark_ps_mt.py: mean per-class IoU of each model, and for the first seed
a few validation images as image | label | supervised | PS-MT ensemble (Detectron2 Visualizer)."""

import os
from typing import List, Sequence

import numpy as np
import torch
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.catalog import Metadata
from detectron2.data.detection_utils import read_image
from detectron2.utils.visualizer import Visualizer
from PIL import Image

from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.tools_vis import load_model

from .benchmark import CONFIGS

__all__ = ["qualitative_rows", "write_report_png"]

_PALETTE = np.random.default_rng(0).integers(40, 255, size=(256, 3))


def _draw(image: np.ndarray, label: np.ndarray, metadata) -> np.ndarray:
    """image: (H, W, 3) uint8 RGB; label: (H, W) class ids (ignore id drawn as nothing)."""
    label = label.copy()
    label[label >= len(metadata.stuff_classes)] = 255
    return Visualizer(image, metadata).draw_sem_seg(label, alpha=0.6).get_image()


@torch.no_grad()
def qualitative_rows(
    seed_dir: str,
    overrides: Sequence[str],
    max_images: int = 3,
    ps_mt_overrides: Sequence[str] = (),
) -> List:
    """[image | label | supervised | PS-MT ensemble] (H, 4W, 3) uint8 rows for the first
    `max_images` validation images, from the two runs' `model_final.pth` under `seed_dir` (each
    model built as it was trained: `ps_mt_overrides` for the PS-MT run)."""
    models, cfg = {}, None
    for run in ("supervised", "ps_mt"):
        extra = list(ps_mt_overrides) if run == "ps_mt" else []
        cfg = load_config(CONFIGS[run], [*overrides, *extra])
        register_datasets(cfg)
        model = load_model(cfg, os.path.join(seed_dir, run, "model_final.pth"))
        models[run] = model.evaluation_models()["teacher"] if run == "ps_mt" else model
    val = MetadataCatalog.get(cfg.datasets.val.name)
    # one fixed colour per class in every panel (Visualizer draws random ones without them)
    colors = [tuple(int(c) for c in rgb) for rgb in _PALETTE[: len(val.stuff_classes)]]
    metadata = Metadata(stuff_classes=list(val.stuff_classes), stuff_colors=colors)
    records = DatasetCatalog.get(val.name)
    mapper = instantiate(cfg.dataloader.test.mapper)
    rows = []
    # images spread over the set (consecutive video frames look alike)
    for i in np.linspace(0, len(records) - 1, min(max_images, len(records))).astype(int):
        record = records[i]
        image = read_image(record["file_name"], format="RGB")
        label = np.asarray(Image.open(record["sem_seg_file_name"]), dtype=np.int64)
        inp = mapper({k: v for k, v in record.items() if k != "sem_seg_file_name"})
        panels = [image, _draw(image, label, metadata)]
        for run in ("supervised", "ps_mt"):
            pred = models[run]([inp])[0]["sem_seg"].argmax(dim=0).cpu().numpy()
            panels.append(_draw(image, pred, metadata))
        rows.append(np.concatenate(panels, axis=1))
    return rows


def write_report_png(result: dict, output_dir: str, path: str, max_images: int = 3) -> str:
    """Bars of the mean per-class IoU per model, then the qualitative rows of the first seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = result["summary"]
    seed = summary["seeds"][0]
    overrides = [f"dataloader.split_seed={seed}", *result["overrides"]]
    rows = qualitative_rows(
        os.path.join(output_dir, f"seed{seed}"),
        overrides,
        max_images,
        result.get("ps_mt_overrides", ()),
    )
    fig, axes = plt.subplots(1 + len(rows), 1, figsize=(14, 4 + 3.5 * len(rows)), squeeze=False)
    ax = axes[0, 0]
    models = list(summary["models"])
    classes = list(summary["models"][models[0]]["IoU"])
    width = 0.8 / len(models)
    for i, m in enumerate(models):
        values = [summary["models"][m]["IoU"][c]["mean"] or 0.0 for c in classes]
        mean = summary["models"][m]["mIoU"]["mean"]
        ax.bar(np.arange(len(classes)) + i * width, values, width, label=f"{m} ({mean:.1f})")
    ax.set_xticks(np.arange(len(classes)) + 0.4 - width / 2, classes, rotation=30, fontsize=8)
    ax.set_ylabel(f"IoU (mean of seeds {summary['seeds']})")
    ax.legend(fontsize=8)
    for k, row in enumerate(rows):
        axes[k + 1, 0].imshow(row)
        axes[k + 1, 0].set_axis_off()
    axes[1, 0].set_title(f"seed {seed}: image | label | supervised | PS-MT ensemble", fontsize=9)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
