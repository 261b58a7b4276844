"""The municipality pages; one module per subject (``agreements``: funding agreements)."""
