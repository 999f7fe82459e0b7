"""Run every benchmark: ``python benchmarks/run_all.py`` (each ``bench_*.py`` in turn, default size).

Each script's output is printed as it runs, under a header with its name; the exit status
is non-zero if any script failed, and a closing table lists each one's status and seconds.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    results = []
    for script in scripts:
        print(f"\n{'=' * 20} {script.name} {'=' * 20}", flush=True)
        started = time.perf_counter()
        status = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False).returncode
        results.append((script.name, status, time.perf_counter() - started))
    print(f"\n{'=' * 20} summary {'=' * 20}")
    for name, status, seconds in results:
        print(f"{name:28s} {'ok' if status == 0 else f'FAILED ({status})':12s} {seconds:8.1f} s")
    return 1 if any(status for _, status, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
