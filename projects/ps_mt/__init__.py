"""ps_mt (placeholder: filled by its issue)."""
