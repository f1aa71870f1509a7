"""configs/ps_mt/custom.py end to end on folders the test writes: labeled image + mask folders,
a nested folder of raw unlabeled images, a validation pair; classes from the class list."""

import json
import os
import shutil

import pytest

from labeleff.engine.train_net import main, parse_args
from labeleff.projects.ps_mt.demo import DEMO_SEG_CLASSES, make_demo_segmentation

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CFG = os.path.join(REPO, "configs", "ps_mt", "custom.py")
SMALL = [
    f"{loader}.mapper.augmentations.{k}"
    for loader in ("dataloader.train", "train.trainer.unlabeled_data_loader")
    for k in ("0.target_height=64", "0.target_width=64", "1.crop_size=[64,64]")
] + [
    "dataloader.test.mapper.augmentations.0.shape=[64,64]",
    "train.log_period=1",
    "train.eval_period=0",
]


def _copy(src, stems, dst):
    os.makedirs(dst, exist_ok=True)
    for s in stems:
        shutil.copy(os.path.join(src, f"{s}.png"), os.path.join(dst, f"{s}.png"))
    return dst


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seg")
    train = make_demo_segmentation("train", root=str(tmp / "gen"))
    val = make_demo_segmentation("val", root=str(tmp / "gen"))
    stems = sorted(f[:-4] for f in os.listdir(os.path.join(train, "images")))
    return dict(
        images=_copy(os.path.join(train, "images"), stems[:8], str(tmp / "lab" / "img")),
        masks=_copy(os.path.join(train, "labels"), stems[:8], str(tmp / "lab" / "mask")),
        raw=_copy(os.path.join(train, "images"), stems[8:16], str(tmp / "raw" / "a" / "b")),
        val_images=os.path.join(val, "images"),
        val_masks=os.path.join(val, "labels"),
    )


def test_custom_segmentation_data_trains_ps_mt_on_a_raw_folder(folders, tmp_path):
    out = tmp_path / "run"
    results = main(
        parse_args(
            [
                "--config-file",
                CFG,
                f"dataloader.labeled_images={folders['images']}",
                f"dataloader.labeled_masks={folders['masks']}",
                f"dataloader.unlabeled_images={os.path.dirname(os.path.dirname(folders['raw']))}",
                f"dataloader.val_images={folders['val_images']}",
                f"dataloader.val_masks={folders['val_masks']}",
                f"dataloader.classes=[{','.join(DEMO_SEG_CLASSES)}]",
                "dataloader.image_ext=png",
                "train.max_iter=3",
                f"train.output_dir={out}",
                *SMALL,
            ]
        )
    )
    rows = [json.loads(line) for line in open(out / "metrics.json") if "total_loss" in line]
    # the raw folder fed the unsupervised term; its ramp-up (972 of 2000 iterations) follows the
    # 3-iteration run: full weight from iteration 1
    assert [r["iteration"] for r in rows if "unsup/loss_conf_ce" in r] == [1, 2]
    assert [r["unsup/rampup"] for r in rows] == [0.0, 1.0, 1.0]
    # four classes from the class list (the CamVid base has eleven), evaluated per class
    ious = {k for k in results["student/sem_seg"] if k.startswith("IoU-")}
    assert ious == {f"IoU-{c}" for c in DEMO_SEG_CLASSES}
