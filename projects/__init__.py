"""Methods built on labeleff, one sub-package each (importable as `labeleff.projects.<name>`)."""
