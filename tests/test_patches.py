"""bot.patches: one install() for the run-time patches, each refusing versions it was not written for."""
import pytest

from bot import patches
from bot.patches import remote_action, sanic_workers, telemetry, versions


def test_installed_versions_are_the_ones_the_patches_were_written_for():
    for package in versions.WRITTEN_FOR:
        versions.require(package, "test")  # raises if not


@pytest.mark.parametrize("package", sorted(versions.WRITTEN_FOR))
def test_other_version_refuses_to_start(monkeypatch, package):
    monkeypatch.setitem(versions.WRITTEN_FOR, package, "0.0.1")
    with pytest.raises(patches.IncompatibleVersion) as refused:
        versions.require(package, "remote_action")
    assert "refuses to start" in str(refused.value.code) and package in str(refused.value.code)


def test_a_patch_refuses_before_changing_anything(monkeypatch):
    monkeypatch.setattr(telemetry, "_PATCHED", False)
    monkeypatch.setitem(versions.WRITTEN_FOR, "rasa", "9.9.9")
    import rasa.telemetry

    before = rasa.telemetry.initialize_telemetry
    with pytest.raises(patches.IncompatibleVersion):
        telemetry.install()
    assert rasa.telemetry.initialize_telemetry is before


def test_install_applies_all_three_and_is_idempotent():
    patches.install()
    patches.install()
    import rasa.telemetry
    from rasa.core.actions.action import RemoteAction

    assert telemetry.installed() and remote_action.installed() and sanic_workers.installed()
    assert rasa.telemetry.initialize_telemetry() is False
    assert RemoteAction.run.__module__ == remote_action.__name__
