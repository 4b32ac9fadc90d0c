"""Stays up when a part crashes (issue 11, item 6).

* Unit: the backoff policy and the supervisor's bookkeeping on an injected clock (no sleeps),
  with real short-lived processes; no process outlives the launcher, even one killed with -9.
* Deployment files: the systemd units pass `systemd-analyze verify` and run the same command as
  the launcher; the Twilio fallback TwiML is valid and gives 999 and the Silent Solution.
* Stack: `python -m bot run` (what `make run` starts), real Rasa and action server. The action
  server is killed with -9 three times (the restart delay grows 1 s, 2 s, 4 s); while it is down
  a danger message gets 999 within seconds and a topic question gets the error answer with 999;
  it comes back and topics are answered again. Then Rasa is killed with -9, comes back and
  answers. The log holds the events and none of the messages. SIGTERM leaves nothing running.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List

import httpx
import pytest
import yaml

from bot.paths import ROOT
from bot.safety import response_text
from bot.supervisor import Backoff, Supervisor, describe_exit
from support import free_port
from support import PUBLIC_URL, SERVICES, TOKEN, assert_emergency, assert_safe_error, sms, webchat

UNITS = ROOT / "deploy" / "systemd"
TWIML = ROOT / "deploy" / "twilio-fallback.xml"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def alive(pid: int) -> bool:
    """True while pid is a process that has not exited (a zombie has exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_dead(pids, timeout: float = 10) -> List[int]:
    """The pids still alive after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def python(code: str) -> List[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


# --- The backoff policy ---------------------------------------------------------------------------

@pytest.mark.unit
def test_backoff_doubles_from_one_second_up_to_the_cap():
    backoff, now = Backoff(initial=1, factor=2, cap=60, stable_after=300), 0.0
    delays = []
    for _ in range(9):
        backoff.started(now)
        now += 5  # crashes 5 s after each start: never stable
        delays.append(backoff.next_delay(now))
        now += delays[-1]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.unit
def test_backoff_resets_after_a_stable_run_and_not_before():
    backoff = Backoff(initial=1, factor=2, cap=60, stable_after=300)
    for delay in (1, 2, 4):
        backoff.started(0)
        assert backoff.next_delay(10) == delay
    backoff.started(100)
    assert backoff.next_delay(399) == 8  # 299 s: not yet stable
    backoff.started(500)
    assert backoff.next_delay(800) == 1  # 300 s: stable, back to the start
    backoff.started(801)
    assert backoff.next_delay(802) == 2


@pytest.mark.unit
def test_backoff_never_overflows():
    backoff = Backoff()
    for _ in range(5000):
        backoff.started(0)
        delay = backoff.next_delay(1)
    assert delay == backoff.cap


@pytest.mark.unit
def test_exits_are_described_by_code_or_signal_name():
    assert describe_exit(3) == "exit code 3"
    assert describe_exit(0) == "exit code 0"
    assert describe_exit(-9) == "signal SIGKILL"
    assert describe_exit(-15) == "signal SIGTERM"


# --- The supervisor, with real processes and an injected clock -----------------------------------------

@pytest.mark.unit
def test_a_crashed_process_is_restarted_after_the_backoff_delay(caplog):
    clock = FakeClock()
    sup = Supervisor(restart=True, clock=clock)
    caplog.set_level(logging.INFO, logger="bot.supervisor")
    first = sup.add("worker", python("import sys; sys.exit(3)"))
    first.wait()
    sup.poll()
    child = sup.child("worker")
    assert child.restart_at == clock.now + 1
    assert "worker exited (exit code 3); restarting in 1 s" in caplog.text
    sup.poll()  # the delay has not passed: nothing happens
    assert sup.processes == [first]
    clock.now += 1
    sup.poll()
    second = sup.processes[0]
    assert second is not first and child.restarts == 1
    second.wait()
    clock.now += 5  # a quick crash again: the delay doubles
    sup.poll()
    assert "restarting in 2 s" in caplog.text and child.restart_at == clock.now + 2
    sup.stop()


@pytest.mark.unit
def test_a_process_that_cannot_be_started_again_is_retried_and_nothing_else_stops(caplog, tmp_path):
    clock = FakeClock()
    sup = Supervisor(restart=True, clock=clock)
    caplog.set_level(logging.INFO, logger="bot.supervisor")
    program = tmp_path / "server"
    program.write_text("#!/bin/sh\nexit 2\n")
    program.chmod(0o755)
    sup.add("server", [str(program)]).wait()
    sup.poll()
    program.unlink()  # gone before the restart
    clock.now += 1
    sup.poll()
    assert "server could not be started (FileNotFoundError); trying again in 2 s" in caplog.text
    assert sup.child("server").restart_at == clock.now + 2
    sup.stop()


@pytest.mark.unit
def test_without_restart_an_exit_is_logged_once_and_left(caplog):
    sup = Supervisor(restart=False, clock=FakeClock())
    caplog.set_level(logging.INFO, logger="bot.supervisor")
    proc = sup.add("once", python("import os, signal; os.kill(os.getpid(), signal.SIGKILL)"))
    proc.wait()
    sup.poll()
    sup.poll()
    assert caplog.text.count("once exited (signal SIGKILL); not restarted") == 1
    assert sup.processes == [proc]


@pytest.mark.unit
def test_the_supervisor_never_reads_what_a_process_writes(caplog, capfd):
    """The log holds the event; the process's own words (which could be a message) never pass
    through the supervisor: they go where the process was told to write, or nowhere."""
    clock = FakeClock()
    sup = Supervisor(restart=True, clock=clock)
    caplog.set_level(logging.DEBUG)
    proc = sup.add("talker", python("import sys; print('he is going to kill me'); sys.exit(1)"),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.wait()
    sup.poll()
    sup.stop()
    assert "talker exited (exit code 1)" in caplog.text
    assert "kill me" not in caplog.text and "kill me" not in capfd.readouterr().out


@pytest.mark.unit
def test_stop_kills_a_process_that_ignores_sigterm_and_what_it_started():
    sup = Supervisor()
    proc = sup.add("stubborn", python("""
        import signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        print(child.pid, flush=True)
        time.sleep(120)
    """), stdout=subprocess.PIPE)
    grandchild = int(proc.stdout.readline())
    started = time.monotonic()
    sup.stop(timeout=1)
    assert time.monotonic() - started < 10
    assert wait_dead([proc.pid, grandchild]) == []


@pytest.mark.unit
def test_children_die_with_a_launcher_killed_by_sigkill(tmp_path):
    """kill -9 of the launcher gives it no chance to clean up: its children must go anyway."""
    launcher = subprocess.Popen(python(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from bot.supervisor import Supervisor
        sup = Supervisor(restart=True, die_with_parent=True)
        proc = sup.add("server", [sys.executable, "-c", "import time; time.sleep(120)"])
        print(proc.pid, flush=True)
        time.sleep(120)
    """), stdout=subprocess.PIPE)
    child = int(launcher.stdout.readline())
    assert alive(child)
    launcher.kill()
    launcher.wait()
    assert wait_dead([child]) == []


# --- systemd units ---------------------------------------------------------------------------------

def unit_lines(name: str) -> Dict[str, List[str]]:
    values: Dict[str, List[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


SERVICES_FILES = ["safe-report-actions.service", "safe-report-rasa.service", "safe-report-rasa@.service",
                  "safe-report-redis.service"]


@pytest.mark.unit
@pytest.mark.parametrize("name", SERVICES_FILES)
def test_units_restart_forever_hardened_and_without_core_dumps(name):
    unit = unit_lines(name)
    assert unit["Restart"] == ["always"] and unit["StartLimitIntervalSec"] == ["0"]
    for key, value in [("NoNewPrivileges", "yes"), ("PrivateTmp", "yes"), ("ProtectSystem", "strict"),
                       ("ProtectHome", "yes"), ("DynamicUser", "yes"), ("LimitCORE", "0"),
                       ("CapabilityBoundingSet", ""), ("IPAddressDeny", "any"), ("UMask", "0077")]:
        assert unit.get(key) == [value], (name, key)
    assert unit["StandardOutput"] == ["journal"] and unit["StandardError"] == ["journal"]


@pytest.mark.unit
@pytest.mark.parametrize("name, endpoints, port", [("safe-report-rasa.service", "endpoints.yml", "${SAFE_REPORT_PORT}"),
                                                   ("safe-report-rasa@.service", "endpoints.redis.yml", "%i")])
def test_the_rasa_units_run_the_launchers_command(name, endpoints, port):
    from bot.launcher import rasa_command
    from bot.settings import settings

    launcher = rasa_command(4321, ROOT / endpoints)
    expected = [a.replace(str(ROOT), "/opt/safe-report") for a in launcher[1:]]
    expected[expected.index(settings().host)] = "${SAFE_REPORT_HOST}"
    expected[expected.index("4321")] = port
    (exec_start,) = unit_lines(name)["ExecStart"]
    assert exec_start.split() == ["/opt/safe-report/.venv/bin/python", *expected]


@pytest.mark.unit
def test_the_actions_unit_runs_the_launchers_command():
    from bot.launcher import actions_command

    (exec_start,) = unit_lines("safe-report-actions.service")["ExecStart"]
    assert exec_start.split()[1:] == actions_command(5055)[1:-1] + ["${SAFE_REPORT_ACTIONS_PORT}"]


@pytest.mark.stack  # needs redis-server (make system)
def test_the_redis_unit_runs_redis_with_persistence_off(tmp_path):
    """The unit's own command line, started here (without systemd): nothing saved, ever."""
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed (apt-get install -y redis-server)")
    import redis

    from bot.scaled import assert_no_persistence

    (exec_start,) = unit_lines("safe-report-redis.service")["ExecStart"]
    port = free_port()
    command = (exec_start.replace("${SAFE_REPORT_REDIS_PORT}", str(port)).replace("/run/safe-report-redis", str(tmp_path))
               .replace("--supervised systemd", "--supervised no").replace('""', "''"))
    proc = subprocess.Popen(["sh", "-c", f"exec {command}"], stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        client = redis.Redis.from_url(f"redis://127.0.0.1:{port}/0")
        for _ in range(100):
            try:
                client.set("k", "v")
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        assert_no_persistence(client)
        client.shutdown(nosave=True)
    finally:
        proc.wait(timeout=10)
    assert list(tmp_path.iterdir()) == []


def units_here(tmp_path: Path) -> List[str]:
    """The units with /opt/safe-report pointing at this checkout (verify checks that ExecStart's
    program exists); the template as one instance."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install -y systemd)")
    for unit in UNITS.iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/safe-report", str(ROOT)))
    return [p.name for p in UNITS.iterdir() if not p.name.endswith("@.service")] + ["safe-report-rasa@5005.service"]


@pytest.mark.stack  # needs redis-server on disk (make system)
def test_systemd_analyze_verify_accepts_the_units(tmp_path):
    names = units_here(tmp_path)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "" and result.stderr.strip() == "", result


@pytest.mark.unit
def test_systemd_rates_every_service_well_sandboxed(tmp_path):
    for name in units_here(tmp_path):
        if not name.endswith(".service"):
            continue
        result = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", name], cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
        score = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
        assert score and float(score.group(1)) <= 2.0, (name, result.stdout[-300:], result.stderr[-300:])


# --- The Twilio fallback reply -------------------------------------------------------------------

def twiml_messages() -> List[str]:
    root = ET.parse(TWIML).getroot()
    assert root.tag == "Response" and not root.attrib and not (root.text or "").strip()
    assert [m.tag for m in root] == ["Message"] * len(root) and len(root) >= 1
    assert all(not m.attrib and len(m) == 0 for m in root), "plain <Message>text</Message> only"
    return [m.text or "" for m in root]


def numbers_in(text: str) -> set:
    return {re.sub(r"\s", "", n) for n in re.findall(r"\d[\d ]{2,}\d", text)}


@pytest.mark.unit
def test_the_fallback_twiml_is_what_the_twilio_library_builds():
    from twilio.twiml.messaging_response import MessagingResponse

    texts = twiml_messages()
    built = MessagingResponse()
    for text in texts:
        built.message(text)
    ours, theirs = ET.parse(TWIML).getroot(), ET.fromstring(built.to_xml())
    assert [(m.tag, m.attrib, m.text) for m in ours] == [(m.tag, m.attrib, m.text) for m in theirs]


@pytest.mark.unit
def test_the_fallback_reply_gives_999_the_silent_solution_and_non_police_helplines():
    first, *rest = twiml_messages()
    assert "999" in first and "press 55 on a mobile" in first and "landline" in first
    assert first.startswith("Sorry"), "a lock screen shows the start: keep it neutral"
    # Every helpline of the emergency answer, and nothing that is not in the services directory.
    danger = response_text("utter_danger") + response_text("utter_danger_more")
    assert numbers_in(danger) - {"999", "55"} <= numbers_in(" ".join([first, *rest]))
    resources = yaml.safe_load((ROOT / "data" / "resources.yml").read_text())
    known = set()
    for entry in resources["resources"] if isinstance(resources, dict) else resources:
        for key in ("phone", "text"):
            if entry.get(key):
                known.add(re.sub(r"\s", "", str(entry[key])))
        known.update(re.sub(r"\s", "", str(n)) for n in entry.get("extra_numbers") or [])
    assert numbers_in(" ".join([first, *rest])) <= known


@pytest.mark.unit
def test_the_fallback_reply_has_no_placeholders_and_fits_sms():
    raw = TWIML.read_text(encoding="utf-8")
    for placeholder in ("{{", "}}", "TODO", "XXX", "example", "<your", "$", "%"):
        assert placeholder not in raw, placeholder
    gsm7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
               "¿abcdefghijklmnopqrstuvwxyzäöñüà")
    for text in twiml_messages():
        assert len(text) <= 480, "at most three SMS segments, like every other answer (docs/sms.md)"
        assert set(text) <= gsm7, set(text) - gsm7


# --- The whole stack under `python -m bot run` ------------------------------------------------------------

DANGER = "he is going to kill me"
TOPIC = "can i report if my visa expired"  # answered, then action_show_services (the action server)


def children(launcher_pid: int) -> Dict[str, int]:
    """The launcher's live children by role: {'actions': pid, 'rasa': pid}."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[1]) == launcher_pid and fields[0] not in ("Z", "X") and b"bot" in cmdline:
            found[cmdline[cmdline.index(b"bot") + 1].decode()] = int(stat.parent.name)
    return found


def health(url: str) -> bool:
    try:
        return httpx.get(url, timeout=3).status_code == 200
    except httpx.TransportError:
        return False


def wait_for(condition, timeout: float, what: str, interval: float = 0.25) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)
    return time.monotonic() - started


class Launcher:
    def __init__(self, tmp: Path) -> None:
        self.port, self.actions_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_file = tmp / "launcher.log"
        env = dict(os.environ, SAFE_REPORT_PORT=str(self.port), SAFE_REPORT_ACTIONS_PORT=str(self.actions_port),
                   TWILIO_AUTH_TOKEN=TOKEN, SAFE_REPORT_PUBLIC_URL=PUBLIC_URL, SAFE_REPORT_RATE_PER_ADDRESS="100000",
                   SAFE_REPORT_THEMES_DB=str(tmp / "themes.db"), RASA_TELEMETRY_ENABLED="false")
        self.log = open(self.log_file, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=self.log)
        self.seen: set = set()  # every child pid, so the end can check that none is left

    def children(self) -> Dict[str, int]:
        found = children(self.proc.pid)
        self.seen.update(found.values())
        return found

    def rasa_up(self) -> bool:
        return health(f"{self.url}/webhooks/webchat/health")

    def actions_up(self) -> bool:
        return health(f"http://127.0.0.1:{self.actions_port}/health")

    def kill(self, role: str) -> int:
        pid = self.children()[role]
        os.kill(pid, signal.SIGKILL)
        return pid

    def back(self, role: str, old_pid: int, up, timeout: float) -> float:
        """Seconds until a new process has the role and answers its health check."""
        def ready() -> bool:
            pid = self.children().get(role)
            return pid is not None and pid != old_pid and up()
        return wait_for(ready, timeout, f"{role} back after kill -9")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        for pid in wait_dead(self.seen, timeout=5):  # only if the test already failed
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


@pytest.mark.stack
class TestUnderTheLauncher:
    """One `python -m bot run`; the tests run in order and each breaks it a little more."""

    @pytest.fixture(scope="class")
    def launcher(self, trained_model, tmp_path_factory):
        running = Launcher(tmp_path_factory.mktemp("launcher"))
        try:
            wait_for(lambda: running.rasa_up() and running.actions_up() or running.proc.poll() is not None,
                     480, "the launcher's first start")
            assert running.proc.poll() is None, running.log_file.read_text(errors="replace")[-3000:]
            running.children()
            yield running
        finally:
            running.stop()

    def test_everything_up_topics_get_services(self, launcher):
        status, texts = webchat(launcher, TOPIC)
        assert status == 200 and SERVICES in texts, texts
        assert set(launcher.children()) == {"actions", "rasa"}

    def test_action_server_killed_comes_back_each_time_later(self, launcher):
        """Two quick kills: restarted after 1 s, then after 2 s (the log says so)."""
        for _ in range(2):
            old = launcher.kill("actions")
            took = launcher.back("actions", old, launcher.actions_up, timeout=60)
            print(f"action server back {took:.1f} s after kill -9")
        log = launcher.log_file.read_text(errors="replace")
        assert "actions exited (signal SIGKILL); restarting in 1 s" in log
        assert "actions exited (signal SIGKILL); restarting in 2 s" in log

    def test_while_the_action_server_is_down_danger_gets_999_within_seconds(self, launcher):
        launcher.kill("actions")  # third quick kill: 4 s before it is started again
        for channel in (webchat, sms):
            asked = time.monotonic()
            assert_emergency(*channel(launcher, DANGER))
            print(f"danger answer over {channel.__name__} with the action server down: "
                  f"{time.monotonic() - asked:.2f} s")
            assert time.monotonic() - asked < 10
        # Asked after the danger messages: if the action server was still down for this one, it was
        # down for them too (it was killed before them and had not come back).
        assert_safe_error(*webchat(launcher, TOPIC))

    def test_action_server_back_topics_get_services_again(self, launcher):
        launcher.back("actions", -1, launcher.actions_up, timeout=60)
        assert "restarting in 4 s" in launcher.log_file.read_text(errors="replace")
        status, texts = webchat(launcher, TOPIC)
        assert status == 200 and SERVICES in texts and response_text("utter_error") not in texts, texts

    def test_rasa_killed_comes_back_and_answers_every_channel(self, launcher):
        actions_before = launcher.children()["actions"]
        old = launcher.kill("rasa")
        wait_for(lambda: not launcher.rasa_up(), 10, "rasa down after kill -9")
        took = launcher.back("rasa", old, launcher.rasa_up, timeout=420)
        print(f"Rasa answering again {took:.1f} s after kill -9")
        assert launcher.children()["actions"] == actions_before, "the action server was left alone"
        assert_emergency(*webchat(launcher, DANGER))
        assert_emergency(*sms(launcher, DANGER))
        status, texts = webchat(launcher, TOPIC)
        assert status == 200 and SERVICES in texts, texts
        assert "rasa:%d exited (signal SIGKILL); restarting in 1 s" % launcher.port in \
            launcher.log_file.read_text(errors="replace")

    def test_the_log_holds_the_events_and_nothing_anyone_wrote(self, launcher):
        log = launcher.log_file.read_text(encoding="utf-8", errors="replace")
        assert log.count("exited (signal SIGKILL)") == 4 and log.count("started again") == 4
        for text in (DANGER, "kill me", TOPIC, "visa expired", "fault-", "+447700900"):
            assert text not in log, text

    def test_sigterm_stops_everything_and_leaves_nothing_running(self, launcher):
        launcher.children()
        assert len(launcher.seen) == 2 + 3 + 1  # first two, three action servers, one Rasa
        launcher.proc.send_signal(signal.SIGTERM)
        assert launcher.proc.wait(timeout=60) == 0
        assert wait_dead(launcher.seen, timeout=5) == []
        assert not launcher.rasa_up() and not launcher.actions_up()
