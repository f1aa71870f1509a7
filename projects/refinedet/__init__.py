"""refinedet (placeholder: filled by its issue)."""
