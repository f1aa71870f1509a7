"""yacs keys of `TeacherStudent` (LazyConfig users set its constructor arguments directly)."""

from detectron2.config import CfgNode as CN

__all__ = ["add_teacher_student_config"]


def add_teacher_student_config(cfg):
    cfg.MODEL.TEACHER_STUDENT = CN()
    cfg.MODEL.TEACHER_STUDENT.STUDENT_META_ARCHITECTURE = "GeneralizedRCNN"
    cfg.MODEL.TEACHER_STUDENT.UNSUP_WEIGHT = 1.0
    cfg.MODEL.TEACHER_STUDENT.EVAL_MODEL = "teacher"
    cfg.MODEL.TEACHER_STUDENT.BURN_IN_ITERS = 0
    return cfg
