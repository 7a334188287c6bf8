"""CPU and memory of processes, from /proc: a sampler thread and per-phase summaries.

CPU is utime + stime of the process (all its threads) from /proc/<pid>/stat; a label may also
count the process's children (PostgreSQL's backends). Memory is the resident set (VmRSS) and,
at the end, the kernel's peak resident set (VmHWM)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    found = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found.extend(int(x) for x in f.read().split())
    except OSError:
        pass
    return found


def read_stat(pid: int) -> tuple[float, int] | None:
    """(cpu seconds, rss bytes) of one process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            raw = f.read()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): utime is field 14, stime 15, rss 24.
    return (int(fields[11]) + int(fields[12])) / TICK, int(fields[21]) * PAGE


def peak_rss(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class Sampler:
    """Samples every watched process every ``interval`` seconds. ``watch(label, pid_fn)``
    watches whatever process ``pid_fn`` names at each tick (so a restarted server is followed);
    ``phase(name)`` marks intervals for ``summary``."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.watched: dict[str, tuple[Callable[[], int | None], bool]] = {}
        # label -> list of (t, cpu_seconds_cumulative, rss_bytes)
        self.series: dict[str, list[tuple[float, float, int]]] = {}
        self._offset: dict[str, float] = {}  # cpu carried over from a previous pid
        self._last: dict[str, tuple[int, float]] = {}  # label -> (pid, last cpu)
        self.peaks: dict[str, int] = {}
        self.phases: list[tuple[str, float, float | None]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def watch(self, label: str, pid_fn: Callable[[], int | None], children: bool = False) -> None:
        with self._lock:
            self.watched[label] = (pid_fn, children)
            self.series.setdefault(label, [])

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        self._thread.join(timeout=5)
        if self.phases and self.phases[-1][2] is None:
            name, t0, _ = self.phases[-1]
            self.phases[-1] = (name, t0, time.monotonic())

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        now = time.monotonic()
        with self._lock:
            for label, (pid_fn, children) in self.watched.items():
                try:
                    pid = pid_fn()
                except Exception:
                    pid = None
                if not pid:
                    continue
                got = read_stat(pid)
                if got is None:
                    continue
                cpu, rss = got
                if children:
                    for child in _children(pid):
                        extra = read_stat(child)
                        if extra:
                            cpu += extra[0]
                            rss += extra[1]
                last = self._last.get(label)
                if last and last[0] != pid:  # restarted: keep the series cumulative
                    self._offset[label] = self._offset.get(label, 0.0) + last[1]
                self._last[label] = (pid, cpu)
                self.series[label].append((now, cpu + self._offset.get(label, 0.0), rss))
                hwm = peak_rss(pid) if not children else rss
                if hwm:
                    self.peaks[label] = max(self.peaks.get(label, 0), hwm)

    def phase(self, name: str) -> None:
        """End the current phase (if any) and start ``name``."""
        self.sample()
        now = time.monotonic()
        if self.phases and self.phases[-1][2] is None:
            prev, t0, _ = self.phases[-1]
            self.phases[-1] = (prev, t0, now)
        self.phases.append((name, now, None))

    def end_phase(self) -> None:
        self.sample()
        if self.phases and self.phases[-1][2] is None:
            name, t0, _ = self.phases[-1]
            self.phases[-1] = (name, t0, time.monotonic())

    def rss_now(self, label: str) -> int | None:
        points = self.series.get(label)
        return points[-1][2] if points else None

    def window(self, label: str, t0: float, t1: float) -> dict:
        points = [p for p in self.series.get(label, []) if t0 - self.interval <= p[0] <= t1]
        if len(points) < 2:
            return {"cpu_s": None, "cpu_pct": None, "rss_max_mb": None}
        cpu = points[-1][1] - points[0][1]
        span = points[-1][0] - points[0][0]
        return {
            "cpu_s": round(cpu, 2),
            "cpu_pct": round(100 * cpu / span, 1) if span > 0 else None,
            "rss_max_mb": round(max(p[2] for p in points) / 2**20, 1),
        }

    def summary(self) -> dict:
        """Per phase and label: CPU seconds, average CPU % of one core, max RSS."""
        out = {}
        for name, t0, t1 in self.phases:
            end = t1 if t1 is not None else time.monotonic()
            out[name] = {
                "seconds": round(end - t0, 2),
                **{label: self.window(label, t0, end) for label in self.series},
            }
        return out
