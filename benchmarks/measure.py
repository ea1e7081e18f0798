"""Timing one build run as a child process: wall time, peak memory, what it wrote, and the machine."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Run:
    """One timed build."""

    tool: str  # "ours" or "pelican"
    articles: int
    scenario: str  # cold, no-change, edit-one, add-one, template
    seconds: float
    html_pages: int  # HTML files in the output after the run
    output_bytes: int
    peak_rss_mb: float  # the build's process tree, sampled, or its own maximum if larger
    exit_status: int
    load: float = 0.0  # the machine's 1-minute load average when the run started (it is shared)
    cpu_seconds: float = 0.0  # user + system time of the child and the children it waited for

    @property
    def pages_per_second(self) -> float:
        return self.html_pages / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "pages_per_second": round(self.pages_per_second, 1)}


def timed(command: list[str], cwd: Path, log: Path) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS in MB, exit status, CPU seconds) of a child process and those it starts.

    CPU time is what other users of a shared machine disturb least; wall time is what an editor waits.

    wait4 gives the child's own maximum RSS (and that of its largest reaped child); worker pools run at
    the same time, so the tree's resident memory is also summed every 20 ms and the larger is kept.
    """
    with log.open("ab") as sink:
        sink.write(f"$ {' '.join(command)}\n".encode())
        sink.flush()
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT)
        sampler = _TreeSampler(child.pid)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped; keep Popen consistent
    peak_kb = max(usage.ru_maxrss, sampler.peak_kb)
    return seconds, peak_kb / 1024, child.returncode, usage.ru_utime + usage.ru_stime


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb = pid, 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(pid) for pid in _tree(self.pid)))
            self._done.wait(0.02)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(root: int) -> list[int]:
    pids, index = [root], 0
    while index < len(pids):
        pid = pids[index]
        index += 1
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
                pids.extend(int(child) for child in children)
        except OSError:
            continue
    return pids


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def output_stats(folder: Path) -> tuple[int, int]:
    """(HTML files, total bytes) under a built output folder."""
    pages = size = 0
    for directory, _, files in os.walk(folder):
        for name in files:
            pages += name.endswith(".html")
            size += os.path.getsize(os.path.join(directory, name))
    return pages, size


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "python": sys.version.split()[0],
        "system": f"{platform.system()} {platform.release()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def git_commit(root: Path) -> str:
    try:
        result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "generator", "templates"], cwd=root,
                               capture_output=True, text=True).stdout.strip()
        return result.stdout.strip() + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
