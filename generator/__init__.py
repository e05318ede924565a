"""dossier: a static-site generator for source-grounded summaries of diplomatic events."""

__version__ = "0.1.0"
