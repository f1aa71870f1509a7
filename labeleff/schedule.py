"""One schedule rule for every config: iteration counts (LR steps, burn-in, ramp-ups, switches)
are written for the config's own `train.max_iter` and follow it when it is overridden.

`follows_max_iter(1000, of=3000)` is the config string `${iters_at_max_iter:1000,3000,
${train.max_iter}}`, resolved when the config is read or instantiated: 1000 as written, 100 after
`train.max_iter=300` (rounded to the nearest iteration), so `train.max_iter=N` on the command line
rescales the whole schedule and the paper configs keep their exact iterations. A number given on
the command line (`model.burn_in_iters=50`) replaces the rule: it is absolute.
"""

from omegaconf import OmegaConf

__all__ = ["follows_max_iter", "scale_iters", "check_burn_in", "check_config_schedule"]

RESOLVER = "iters_at_max_iter"


def scale_iters(iters: int, of: int, max_iter: int) -> int:
    """round(iters * max_iter / of), in integers (no float rounding at paper scale)."""
    iters, of, max_iter = int(iters), int(of), int(max_iter)
    if of <= 0:
        raise ValueError(f"a schedule written for max_iter={of}: it must be > 0")
    return (2 * iters * max_iter + of) // (2 * of)


def follows_max_iter(iters: int, of: int) -> str:
    """Config value: `iters` iterations of a `of`-iteration schedule, following `train.max_iter`."""
    return f"${{{RESOLVER}:{int(iters)},{int(of)},${{train.max_iter}}}}"


def check_burn_in(burn_in_iters, max_iter, key: str = "model.burn_in_iters") -> None:
    """A burn-in at or past the end of training would train the supervised part only, silently."""
    if burn_in_iters is not None and max_iter > 0 and int(burn_in_iters) >= int(max_iter):
        raise ValueError(
            f"{key}={int(burn_in_iters)} is at or past train.max_iter={int(max_iter)}: the run "
            f"would never leave burn-in (no teacher, no unlabeled loss). Lower {key}, raise "
            "train.max_iter, or train the supervised config instead"
        )


def check_config_schedule(cfg) -> None:
    """Before training a config: its model's burn-in ends before `train.max_iter`."""
    model = cfg.get("model", None)
    burn_in = model.get("burn_in_iters", None) if hasattr(model, "get") else None
    check_burn_in(burn_in, cfg.train.max_iter)


if not OmegaConf.has_resolver(RESOLVER):
    OmegaConf.register_new_resolver(RESOLVER, scale_iters)
