"""Mean-teacher pseudo-labeling for any Detectron2 detector: the teacher's detections above a hard
score threshold on the weak view become the student's ground truth on the strong view, trained
with the detector's own losses. The whole method on top of the teacher-student engine."""

from typing import Dict, List

import torch
from detectron2.config import configurable
from detectron2.modeling import META_ARCH_REGISTRY
from detectron2.structures import Instances

from labeleff.projects.teacher_student import TeacherStudent


@META_ARCH_REGISTRY.register()
class MeanTeacher(TeacherStudent):
    """EMA teacher + hard pseudo-labels (score > `score_threshold`) + the student's own losses."""

    health_keys_to_check = ("model.score_threshold", "model.unsup_weight", "train.hooks (EMAHook)")

    @configurable
    def __init__(self, *, score_threshold: float = 0.7, **kwargs):
        """
        Args:
            score_threshold: teacher detections scored above this are pseudo-labels.
            kwargs: :class:`TeacherStudent` arguments (`student`, `unsup_weight`, ...).
        """
        super().__init__(**kwargs)
        self.score_threshold = score_threshold

    def pseudo_label(self, unlabeled: List[dict]) -> List[Instances]:
        """Teacher detections on the weak views above the threshold, in weak-view coordinates, as
        training targets (`gt_boxes`, `gt_classes`, `scores`; the engine runs this without grad,
        logs it and moves it into the strong views)."""
        inputs = [{"image": x["weak"]["image"]} for x in unlabeled]
        detections = self.teacher.inference(inputs, do_postprocess=False)
        targets = []
        for det in detections:
            keep = det[det.scores > self.score_threshold]
            target = Instances(det.image_size)
            target.gt_boxes, target.gt_classes = keep.pred_boxes, keep.pred_classes
            target.scores = keep.scores
            targets.append(target)
        return targets

    def pseudo_label_losses(
        self, unlabeled: List[dict], targets: List[Instances]
    ) -> Dict[str, torch.Tensor]:
        """The student's detector losses on the strong views against the projected pseudo-labels
        (an image without pseudo-labels trains as all background, Detectron2's own handling)."""
        strong = [
            {"image": x["strong"]["image"], "instances": t} for x, t in zip(unlabeled, targets)
        ]
        return self.student(strong)
