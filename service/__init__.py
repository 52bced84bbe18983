"""review-analyzer: turns free-text security code reviews into structured JSON."""

__version__ = "1.0.0"
