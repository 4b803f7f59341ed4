"""Shared by the side-by-side benchmarks: CPU time and peak RSS of a process tree
sampled from /proc, and where bench/flink/setup.sh put PyFlink and its jars."""
import os
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


class TreeSampler(threading.Thread):
    """Peak RSS and CPU time of a process and all its descendants."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.cpu, self.peak_rss, self.stop = pid, {}, 0, False

    def tree(self):
        children = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                continue
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(children.get(p, []))
        return out

    def run(self):
        while not self.stop:
            rss = 0
            for p in self.tree():
                try:
                    with open(f"/proc/{p}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    self.cpu[p] = (int(fields[11]) + int(fields[12])) / TICK
                    rss += int(fields[21]) * PAGE
                except (OSError, IndexError):
                    continue
            self.peak_rss = max(self.peak_rss, rss)
            time.sleep(0.05)

    def cpu_seconds(self):
        return sum(self.cpu.values())


def measured(cmd, env=None, timeout=3600):
    """Runs `cmd` and returns its wall time, the CPU time and peak RSS of its process
    tree, and its stdout; raises when it fails."""
    start = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    out, err = proc.communicate(timeout=timeout)
    wall = time.time() - start
    sampler.stop = True
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}):\n{err[-3000:]}")
    return {"wall_s": wall, "cpu_s": sampler.cpu_seconds(),
            "peak_rss_mb": sampler.peak_rss / 2**20, "stdout": out, "stderr": err}



def flink_env():
    """Installs Flink if needed (bench/flink/setup.sh) and returns its variables:
    WEIR_FLINK_PYTHON and WEIR_FLINK_JARS."""
    setup = subprocess.run([str(ROOT / "bench" / "flink" / "setup.sh")], check=True,
                           capture_output=True, text=True)
    return dict(line.split("=", 1) for line in setup.stdout.split())
