"""Target-domain views for MIC: one geometric augmentation shared by both views, then per-view
photometric augmentations, so the masked student sees the teacher's image up to colour/blur."""

from typing import Sequence

import numpy as np
from detectron2.data import detection_utils as utils
from detectron2.data import transforms as T

from labeleff.projects.teacher_student import MultiViewDatasetMapper, transform_to_matrix

__all__ = ["SharedGeometryViewMapper"]


class SharedGeometryViewMapper(MultiViewDatasetMapper):
    """
    dataset dict -> the `MultiViewDatasetMapper` output with views "weak" (the geometric
    augmentations: the teacher's image) and "strong" (the same image, then `photometric`
    augmentations: MIC's colour jitter and blur, drawn per sample). Both views carry the same
    original->view matrix. The block mask itself is applied in the model, after normalisation.
    """

    def __init__(
        self,
        geometric: Sequence[T.Augmentation],
        photometric: Sequence[T.Augmentation],
        image_format: str = "BGR",
        keep_annotations: bool = True,
    ):
        super().__init__({"weak": geometric, "strong": photometric}, image_format, keep_annotations)

    def __call__(self, dataset_dict: dict) -> dict:
        image = utils.read_image(dataset_dict["file_name"], format="RGB")
        utils.check_image_size(dataset_dict, image)
        out = {k: dataset_dict[k] for k in ("file_name", "image_id") if k in dataset_dict}
        out["height"], out["width"] = image.shape[:2]
        aug_input = T.AugInput(image)
        matrix = transform_to_matrix(self.views["weak"](aug_input))
        weak_image = aug_input.image
        aug_input = T.AugInput(weak_image.copy())
        photometric = transform_to_matrix(self.views["strong"](aug_input))
        if not np.allclose(photometric, np.eye(3)):
            raise ValueError(
                "SharedGeometryViewMapper: the photometric augmentations moved pixels "
                f"(matrix {photometric.tolist()}); put geometric ones in `geometric`"
            )
        annos = None
        if self.keep_annotations and "annotations" in dataset_dict:
            annos = [a for a in dataset_dict["annotations"] if a.get("iscrowd", 0) == 0]
        for name, view_image in (("weak", weak_image), ("strong", aug_input.image)):
            view = {"image": self._to_tensor(view_image), "transform": matrix.copy()}
            if annos is not None:
                view["instances"] = self._project_annotations(annos, matrix, view_image.shape[:2])
            out[name] = view
        return out
