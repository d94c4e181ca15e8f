"""Run the figures-over-time state machine with many more examples than CI does.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/figures_over_time.py [--examples 300] [--steps 30]

CI runs tests/surveys/test_figures_over_time.py with a modest number of examples; this
prints how many saved states and traced figures a longer run checked, and how long it took.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    env = {
        **os.environ,
        "FIGURES_OVER_TIME_EXAMPLES": str(args.examples),
        "FIGURES_OVER_TIME_STEPS": str(args.steps),
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
    }
    started = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:xdist",
            "-q",
            "-s",
            "tests/surveys/test_figures_over_time.py::test_no_two_saved_outputs_subtract_to_fewer_than_k",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    summary = re.search(r"figures over time: .*", run.stdout)
    print(f"examples          {args.examples} of up to {args.steps} steps")
    print(f"checked           {summary.group(0) if summary else 'no summary printed'}")
    print(f"result            {'passed' if run.returncode == 0 else 'FAILED'}")
    print(f"time              {seconds:.1f} s")
    if run.returncode:
        print(run.stdout[-4000:])
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
