"""YOLOX learning-rate schedule ("yoloxwarmcos") as an fvcore ParamScheduler multiplier."""

import math

from fvcore.common.param_scheduler import ParamScheduler


class YOLOXWarmCosine(ParamScheduler):
    """Multiplier of the base lr at training fraction `where` in [0, 1): quadratic warm-up from 0
    over `warmup_fraction` (official: 5 epochs), cosine down to `min_ratio` (official 0.05) until
    the last `no_aug_fraction` (15 no-augmentation epochs), then `min_ratio`."""

    def __init__(self, warmup_fraction: float, no_aug_fraction: float, min_ratio: float = 0.05):
        if warmup_fraction < 0 or no_aug_fraction < 0 or warmup_fraction + no_aug_fraction >= 1:
            raise ValueError(
                f"YOLOXWarmCosine: warmup_fraction={warmup_fraction} + no_aug_fraction="
                f"{no_aug_fraction} must be non-negative and below 1"
            )
        self.warmup_fraction = warmup_fraction
        self.no_aug_fraction = no_aug_fraction
        self.min_ratio = min_ratio

    def __call__(self, where: float) -> float:
        if where < self.warmup_fraction:
            return (where / self.warmup_fraction) ** 2
        if where >= 1 - self.no_aug_fraction:
            return self.min_ratio
        progress = (where - self.warmup_fraction) / (
            1 - self.warmup_fraction - self.no_aug_fraction
        )
        return self.min_ratio + 0.5 * (1 - self.min_ratio) * (1 + math.cos(math.pi * progress))
