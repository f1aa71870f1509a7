"""FloW-Img (Cheng et al. ICCV 2021; 1 class "bottle") registration for the paper-scale pretraining
configs, and the write-up's crop / patch settings. The folder layout is an assumption (same as
configs/yolox/flow_img_ciou.py); set the paths of your copy with overrides."""

from detectron2.config import LazyCall as L

from labeleff.data import register_voc_dirs

datasets = dict(
    flow_train=L(register_voc_dirs)(
        name="flow_img_train_pretrain",
        annotation_dir="datasets/FloW_IMG/training/annotations",
        image_root="datasets/FloW_IMG/training/images",
        class_names=["bottle"],
    ),
)
# video frames extracted with tools/extract_frames.py (the write-up keeps ~5 % of FloW-Video)
FRAMES_DIR = "datasets/FloW_frames"
CROP_SIZE = 224  # write-up: crops resized to 224
PATCH_SIZE = 224  # write-up: 224 px patches on 720 x 1280 frames -> a 3 x 5 grid
PATCH_GRID = (3, 5)
