"""mic_uda (placeholder: filled by its issue)."""
