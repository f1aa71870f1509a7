"""soft_teacher (placeholder: filled by its issue)."""
