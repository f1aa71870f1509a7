"""Several trainings in one process (`tools/demo.py`: the supervised twin, then Soft Teacher) each
log to their own `log.txt` only. Detectron2's `default_setup` attaches a stdout and a file handler
to the `detectron2` and `fvcore` loggers per output folder and never detaches them, so without this
scope the second run's lines are printed twice and written into the first run's `log.txt` too."""

import contextlib
import logging

from detectron2.utils.logger import setup_logger

__all__ = ["training_log_scope"]

# the loggers `default_setup` sets up (Detectron2's and fvcore's checkpointer)
LOGGER_NAMES = ("detectron2", "fvcore")


@contextlib.contextmanager
def training_log_scope(names=LOGGER_NAMES):
    """Within the block, handlers may be added to the loggers `names`; on leaving, those added are
    flushed and detached (the ones there before stay; a file stays open, Detectron2 caches it per
    file name and appends to it if a later run logs there again). `setup_logger` caches its
    calls, so its cache is cleared too: a later run into the same folder is set up again."""
    loggers = [logging.getLogger(n) for n in names]
    before = [list(lg.handlers) for lg in loggers]
    try:
        yield
    finally:
        for lg, kept in zip(loggers, before):
            for h in [h for h in lg.handlers if h not in kept]:
                h.flush()
                lg.removeHandler(h)
        clear = getattr(setup_logger, "cache_clear", None)  # functools.lru_cache in Detectron2
        if clear is not None:
            clear()
