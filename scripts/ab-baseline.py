#!/usr/bin/env python3
"""Time two or more fastlakare binaries on the baseline config, interleaved.

On a shared machine whose speed drifts by 10-25 % within the hour, timing one binary's
runs and then the other's (as hyperfine does) measures the drift as much as the code.
This runs them in turn, reversing the order every round, and prints each binary's
median wall time and every run.

    python3 scripts/ab-baseline.py OLD_BINARY NEW_BINARY [--rounds 6] [-- RUN_ARGS...]

e.g. `python3 scripts/ab-baseline.py /tmp/old target/release/fastlakare -- --threads 1`.
A binary may be preceded by environment settings in the same argument, e.g.
`"FASTLAKARE_BACKEND=portable target/release/fastlakare"`: that is how the backends are
timed against each other.
Outputs go to a scratch folder that is removed afterwards.
"""

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--config", default="configs/baseline.toml")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:cut])
    extra = argv[cut + 1 :]
    out = tempfile.mkdtemp(prefix="fastlakare-ab-")
    times: dict[str, list[float]] = {b: [] for b in args.binaries}
    try:
        for i in range(args.rounds):
            order = args.binaries if i % 2 == 0 else args.binaries[::-1]
            for b in order:
                words = shlex.split(b)
                env = dict(os.environ)
                while "=" in words[0]:
                    name, value = words.pop(0).split("=", 1)
                    env[name] = value
                cmd = [*words, "run", args.config, "--out", f"{out}/r", "--force", "-q", *extra]
                start = time.perf_counter()
                subprocess.run(cmd, check=True, env=env)
                times[b].append(time.perf_counter() - start)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    for b, ts in times.items():
        runs = " ".join(f"{t:.2f}" for t in ts)
        print(f"{b}: median {statistics.median(ts):.3f} s ({runs})")


if __name__ == "__main__":
    main()
