"""pretrain (placeholder: filled by its issue)."""
