"""The versions our run-time patches were written for; any other version refuses to start."""
from __future__ import annotations

from importlib import metadata

WRITTEN_FOR = {"rasa": "3.6.21", "sanic": "21.12.2"}


class IncompatibleVersion(SystemExit):
    """Raised at start-up, before any patch is applied, so the server never runs half-patched."""


def require(package: str, patch: str) -> None:
    """Refuse to apply `patch` unless `package` is installed at the version it was written for."""
    wanted = WRITTEN_FOR[package]
    try:
        found = metadata.version(package)
    except metadata.PackageNotFoundError:
        found = "not installed"
    if found != wanted:
        raise IncompatibleVersion(
            f"Safe Report refuses to start: the {patch} patch was written for {package} {wanted}, "
            f"found {found}. Re-check bot/patches/{patch}.py against {package} {found}, then update "
            f"bot/patches/versions.py."
        )
