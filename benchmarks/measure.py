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
    # forked workers share the parent's pages copy-on-write: the RSS sum counts those once per worker,
    # the proportional set size (PSS) splits each shared page among its sharers, so it sums honestly
    peak_pss_mb: float = 0.0  # the tree's PSS, sampled every 100 ms
    peak_process_mb: float = 0.0  # the largest single process's own peak RSS (VmHWM)

    @property
    def pages_per_second(self) -> float:
        return self.html_pages / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "pages_per_second": round(self.pages_per_second, 1)}


@dataclass(frozen=True)
class Usage:
    """What one child process and those it started took."""

    seconds: float  # wall
    peak_rss_mb: float  # the tree's RSS summed (shared pages counted once per process), or wait4's if larger
    peak_pss_mb: float  # the tree's PSS summed: shared pages split among their sharers
    peak_process_mb: float  # the largest single process's peak RSS
    exit_status: int
    cpu_seconds: float


def timed(command: list[str], cwd: Path, log: Path) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS in MB, exit status, CPU seconds): see usage()."""
    used = usage(command, cwd, log)
    return used.seconds, used.peak_rss_mb, used.exit_status, used.cpu_seconds


def usage(command: list[str], cwd: Path, log: Path) -> Usage:
    """Wall time, memory and CPU time of a child process and those it starts.

    CPU time is what other users of a shared machine disturb least; wall time is what an editor waits.

    wait4 gives the child's own maximum RSS (and that of its largest reaped child); worker pools run at
    the same time, so the tree's resident memory is also summed every 20 ms and the larger is kept.
    Forked workers share most of the parent's pages, which that sum counts once per worker; the tree's
    PSS (/proc/PID/smaps_rollup, every 100 ms: reading it walks the page tables) does not.
    """
    with log.open("ab") as sink:
        sink.write(f"$ {' '.join(command)}\n".encode())
        sink.flush()
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT)
        sampler = _TreeSampler(child.pid)
        sampler.start()
        _, status, rusage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped; keep Popen consistent
    peak_kb = max(rusage.ru_maxrss, sampler.peak_kb)
    process_kb = max(rusage.ru_maxrss, sampler.process_kb)
    return Usage(seconds, peak_kb / 1024, sampler.pss_kb / 1024, process_kb / 1024, child.returncode,
                 rusage.ru_utime + rusage.ru_stime)


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.pss_kb, self.process_kb = pid, 0, 0, 0
        self._done = threading.Event()

    def run(self) -> None:
        tick = 0
        while not self._done.is_set():
            tree = _tree(self.pid)
            figures = [_status_kb(pid) for pid in tree]
            self.peak_kb = max(self.peak_kb, sum(rss for rss, _ in figures))
            self.process_kb = max([self.process_kb, *(hwm for _, hwm in figures)])
            if tick % 5 == 0:
                self.pss_kb = max(self.pss_kb, sum(_pss_kb(pid) for pid in tree))
            tick += 1
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


def _status_kb(pid: int) -> tuple[int, int]:
    """(resident now, the process's own peak resident) in kB."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
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


def main() -> None:
    """`python benchmarks/measure.py -- COMMAND...`: one run's figures, for measuring by hand."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    log = Path(os.environ.get("MEASURE_LOG", "/dev/null"))
    used = usage(command, Path.cwd(), log)
    print(f"{used.seconds:.2f}s wall, {used.cpu_seconds:.2f}s CPU, peak RSS summed {used.peak_rss_mb:,.0f} MB, "
          f"PSS summed {used.peak_pss_mb:,.0f} MB, largest process {used.peak_process_mb:,.0f} MB, "
          f"exit {used.exit_status}")


if __name__ == "__main__":
    main()
