"""Why a training run stopped early: each reason is an exception the entry point turns into a clear
message (and, where the state is good, a checkpoint to `--resume` from)."""

__all__ = ["TrainingStopped", "TrainingInterrupted", "TooManyBadImages", "NonFiniteTraining"]


class TrainingStopped(RuntimeError):
    """Base: training stopped before `max_iter` for a reason the user can act on.

    `checkpoint_state_good`: the model/optimizer state at the stop is one a run may resume from
    (the entry point writes a checkpoint of it); False keeps the last periodic checkpoint only.
    `completed_iter`: the last iteration whose optimizer step finished (resume starts after it).
    """

    checkpoint_state_good = True
    exit_code = 1

    def __init__(self, message: str, completed_iter: int = -1):
        super().__init__(message)
        self.completed_iter = completed_iter


class TrainingInterrupted(BaseException):
    """SIGTERM / SIGINT: the current step finished, a checkpoint was written, training stopped
    (exit status 128 + signal, the status of a signalled job). A BaseException like
    KeyboardInterrupt: a requested stop, not an error, so Detectron2's loop does not log it as
    "Exception during training" (its `after_train` hooks still run)."""

    def __init__(self, message: str, completed_iter: int, signum: int):
        super().__init__(message)
        self.completed_iter = completed_iter
        self.signum = signum
        self.exit_code = 128 + signum


class TooManyBadImages(TrainingStopped):
    """More unreadable images than `train.max_bad_images` were skipped."""


class NonFiniteTraining(TrainingStopped):
    """`K` consecutive steps had a NaN/Inf loss: the state is kept as it was before them (those
    steps were skipped), but no checkpoint of a diverging run overwrites the last good one."""

    checkpoint_state_good = False
