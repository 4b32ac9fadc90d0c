"""scripts/ensure-system.sh: what `make test` needs from the system, installed or named in one line.

Run with a PATH that has none of the packages (and as an unprivileged user, so it may not
install): it must stop at once, exit non-zero, and say in one line what to install."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "ensure-system.sh"


@pytest.fixture
def bin_dir():
    path = _bare_path()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _bare_path() -> Path:
    """A directory with only the basic tools the script uses: no chromium, redis-server, fc-list.
    Outside pytest's own tmp tree, which an unprivileged user cannot enter."""
    bin_dir = Path(tempfile.mkdtemp(prefix="safe-report-bin-"))
    bin_dir.chmod(0o755)
    for tool in ("bash", "id", "grep", "printf", "cat"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    return bin_dir


@pytest.mark.skipif(shutil.which("setpriv") is None or os.geteuid() != 0, reason="needs root and setpriv")
def test_without_root_it_names_what_to_install_in_one_line(bin_dir):
    result = subprocess.run(
        [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups",
         str(bin_dir / "bash"), str(SCRIPT), "test"],
        env={"PATH": str(bin_dir)}, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for package in ("chromium", "redis-server", "fonts-noto-core"):
        assert package in lines[0]
    assert result.stdout == ""


def test_nothing_to_do_when_everything_is_there(bin_dir):
    for tool in ("chromium", "redis-server"):
        (bin_dir / tool).write_text("#!/bin/sh\n")
        (bin_dir / tool).chmod(0o755)
    (bin_dir / "fc-list").write_text("#!/bin/sh\necho /usr/share/fonts/NotoSansBengali-Regular.ttf\n")
    (bin_dir / "fc-list").chmod(0o755)
    result = subprocess.run([str(bin_dir / "bash"), str(SCRIPT), "test"], env={"PATH": str(bin_dir)},
                            capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stderr) == (0, "")


def test_redis_only_for_the_scaled_run(bin_dir):
    (bin_dir / "redis-server").write_text("#!/bin/sh\n")
    (bin_dir / "redis-server").chmod(0o755)
    result = subprocess.run([str(bin_dir / "bash"), str(SCRIPT), "redis"], env={"PATH": str(bin_dir)},
                            capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stderr) == (0, "")
