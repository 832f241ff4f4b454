"""Training scripts whose checkpoints the notebooks load (run with ``python -m``)."""
