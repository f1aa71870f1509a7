"""teacher_student (placeholder: filled by its issue)."""
