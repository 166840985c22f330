"""Chat-turn latency and throughput at 20 concurrent clients vs a bare FastAPI endpoint.

A thin wrapper so `make bench` runs it with the other scripts; the benchmark itself is the
`aegle bench api` command (src/aegle/cli/bench.py). Figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

if __name__ == "__main__":
    aegle = Path(sys.executable).with_name("aegle")
    sys.exit(subprocess.call([str(aegle), "bench", "api", *sys.argv[1:]]))
