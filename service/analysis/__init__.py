"""Pure analysis library: review body in, Analysis out. No Flask, no I/O beyond package data."""

from service.analysis.model import Analysis
from service.analysis.pipeline import analyze

__all__ = ["Analysis", "analyze"]
