"""yolox (placeholder: filled by its issue)."""
