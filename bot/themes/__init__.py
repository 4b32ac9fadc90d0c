"""Anonymised conversation themes for support workers (docs/themes.md)."""
from .recorder import ThemeRecorder

__all__ = ["ThemeRecorder"]
