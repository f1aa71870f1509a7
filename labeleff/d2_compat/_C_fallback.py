"""Pure-PyTorch stand-in for detectron2._C (placeholder, filled by the foundation issue)."""
IS_FALLBACK = True
