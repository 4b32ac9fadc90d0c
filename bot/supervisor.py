"""Keep Safe Report's processes running: restart a crashed one, with capped exponential backoff.

`make run` (bot.launcher) starts the action server and Rasa (and, for `make run-scaled`, a second
Rasa and Redis) under a Supervisor. When one of them exits, only that one is started again; the
others keep serving. Rasa answers with the action server down (bot.patches.remote_action gives the error
answer with 999; the channels' danger check gives 999 and the Silent Solution), so a person is
never left with "connection refused" because a helper process died.

Restart delays double with each quick crash (1 s, 2 s, 4 s ... at most 60 s) so a process that
cannot start does not eat the CPU the others need, and go back to 1 s once it has run for five
minutes. The supervisor logs only events: which process, its exit code or signal, the delay. It
never reads what the processes write. Production deployments use systemd for the same job
(deploy/systemd, docs/deployment.md).
"""
from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


@dataclass
class Backoff:
    """How long to wait before starting one process again. Pure: the caller passes the time."""

    initial: float = 1.0
    factor: float = 2.0
    cap: float = 60.0
    stable_after: float = 300.0  # a process that ran this long counts as healthy again
    failures: int = 0
    started_at: Optional[float] = None

    def started(self, now: float) -> None:
        self.started_at = now

    def next_delay(self, now: float) -> float:
        """Called once each time the process has exited."""
        if self.started_at is not None and now - self.started_at >= self.stable_after:
            self.failures = 0
        delay = min(self.cap, self.initial * self.factor ** self.failures)
        self.failures = min(self.failures + 1, 64)  # 2.0 ** 64 is still a float; far past the cap
        return delay


def describe_exit(returncode: int) -> str:
    """'exit code 3' or 'signal SIGKILL' (Popen reports death by signal N as -N)."""
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class Child:
    name: str
    command: Optional[List[str]]  # None: started by someone else, stopped with the rest, never restarted
    popen_kwargs: Dict[str, Any]
    backoff: Backoff
    proc: Optional[subprocess.Popen] = None
    restart_at: Optional[float] = None
    restarts: int = 0
    finished: bool = False  # exited and will not be started again
    pids: List[int] = field(default_factory=list)  # every pid this child has had


def _kill_group(pid: int, sig: int) -> None:
    """Signal a child's whole process group (each child leads its own session)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _die_with_parent(parent: int) -> Callable[[], None]:
    """Runs in the child before exec: SIGTERM it if the launcher dies, even by SIGKILL, so no
    server is left behind holding a port (and conversations in memory) with nobody in charge."""

    def preexec() -> None:
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the launcher died before prctl took effect
            os._exit(1)

    return preexec


class Supervisor:
    """Starts named processes, restarts them when `restart` is on, stops them all together."""

    def __init__(self, restart: bool = False, clock: Clock = time.monotonic,
                 backoff: Callable[[], Backoff] = Backoff, die_with_parent: bool = False) -> None:
        self.restart = restart
        self.clock = clock
        self.new_backoff = backoff
        self.die_with_parent = die_with_parent
        self.children: List[Child] = []
        self.stopping = False

    @property
    def processes(self) -> List[subprocess.Popen]:
        """The current process of each child, in the order they were added."""
        return [c.proc for c in self.children if c.proc is not None]

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def add(self, name: str, command: Sequence[str], **popen_kwargs: Any) -> subprocess.Popen:
        child = Child(name, list(command), popen_kwargs, self.new_backoff())
        self.children.append(child)
        self._spawn(child)
        return child.proc

    def adopt(self, name: str, proc: subprocess.Popen) -> None:
        """A process started elsewhere (in its own session): stopped with the others, not restarted."""
        self.children.append(Child(name, None, {}, self.new_backoff(), proc=proc, pids=[proc.pid]))

    def _spawn(self, child: Child) -> None:
        kwargs = dict(child.popen_kwargs, start_new_session=True)
        if self.die_with_parent:
            kwargs["preexec_fn"] = _die_with_parent(os.getpid())
        child.proc = subprocess.Popen(child.command, **kwargs)
        child.pids.append(child.proc.pid)
        child.backoff.started(self.clock())

    def poll(self) -> None:
        """One supervision step: notice exits, start again those whose delay has passed."""
        if self.stopping:
            return
        now = self.clock()
        for child in self.children:
            if child.finished or child.proc is None:
                continue
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._restart(child, now)
            elif child.proc.poll() is not None:
                self._exited(child, now)

    def _restart(self, child: Child, now: float) -> None:
        child.restart_at = None
        try:
            self._spawn(child)
        except OSError as exc:  # the program vanished, say: keep trying, never take the others down
            delay = child.backoff.next_delay(now)
            child.restart_at = now + delay
            logger.error("%s could not be started (%s); trying again in %g s", child.name, type(exc).__name__, delay)
            return
        child.restarts += 1
        logger.warning("%s started again (restart %d)", child.name, child.restarts)

    def _exited(self, child: Child, now: float) -> None:
        # Whatever the dead process left in its group (Sanic workers, say) would hold the port.
        _kill_group(child.proc.pid, signal.SIGKILL)
        what = describe_exit(child.proc.returncode)
        if not self.restart or child.command is None:
            child.finished = True
            logger.error("%s exited (%s); not restarted", child.name, what)
            return
        delay = child.backoff.next_delay(now)
        child.restart_at = now + delay
        logger.error("%s exited (%s); restarting in %g s", child.name, what, delay)

    def watch(self, should_stop: Callable[[], bool], interval: float = 0.5) -> None:
        """Supervise until should_stop() is true (a signal handler sets it)."""
        while not should_stop():
            self.poll()
            time.sleep(interval)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM every process group, SIGKILL what is left after `timeout` seconds."""
        self.stopping = True
        running = [c.proc for c in self.children if c.proc is not None]
        for proc in running:
            if proc.poll() is None:
                _kill_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _kill_group(proc.pid, signal.SIGKILL)  # the leader, if it ignored SIGTERM, and any leftovers
            proc.wait()
