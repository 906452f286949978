#!/usr/bin/env python3
"""The figures of `cargo bench --bench model`, from criterion's files.

    cargo bench --bench model && python3 scripts/bench-summary.py [target/criterion]

Prints each benchmark's median time and region-run-years per second, then the ratios
issue 7 asks for, all from the same `cargo bench` run: binomial core / random-number
floor (goal <= 3x), and the speed-up of all cores over one thread. Then the same ratio
from the bench's pairs (core and floor timed one right after the other, on one
thread and on all cores), which a machine's drift moves less. Standard library only.
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
rows = {}
for bench in sorted(root.glob("*/*/*/new/benchmark.json")):
    meta = json.loads(bench.read_text())
    est = json.loads((bench.parent / "estimates.json").read_text())
    median_s = est["median"]["point_estimate"] / 1e9
    elements = (meta.get("throughput") or {}).get("Elements")
    rows[meta["full_id"]] = (median_s, elements)
if not rows and not (root / "paired-core-floor.json").exists():
    sys.exit(f"no criterion results under {root}: run `cargo bench --bench model` first")

if rows:
    print(f"{'benchmark':32} {'median':>12} {'region-run-years/s':>20}")
for name, (median_s, elements) in rows.items():
    rate = f"{elements / median_s / 1e6:16.2f} M" if elements else ""
    print(f"{name:32} {median_s * 1e3:9.2f} ms {rate:>20}")


def median(name):
    return rows[name][0] if name in rows else None


threads = sorted({int(n.rsplit("/", 1)[1]) for n in rows if n.startswith("model/")})
print()
for t in threads:
    core, floor = median(f"model/core-binomial/{t}"), median(f"model/floor-binomial/{t}")
    if core and floor:
        print(f"binomial core / random-number floor, {t} thread(s): {core / floor:.2f}x")
if len(threads) > 1:
    lo, hi = threads[0], threads[-1]
    for name in ("model/core-binomial", "model/core-expected", "model/floor-binomial",
                 "simulate/binomial"):
        a, b = median(f"{name}/{lo}"), median(f"{name}/{hi}")
        if a and b:
            print(f"{name}: {hi} threads {a / b:.2f}x faster than {lo}")

paired = root / "paired-core-floor.json"
if paired.exists():
    p = json.loads(paired.read_text())
    years = p["region_run_years"]
    # Files from before the pairs on all cores hold one set, on 1 thread, at the top.
    sets = p.get("sets") or [{"threads": 1, "core_ms": p["core_ms"], "floor_ms": p["floor_ms"]}]
    mid = lambda xs: sorted(xs)[len(xs) // 2]
    print()
    for s in sets:
        ratios = sorted(c / f for c, f in zip(s["core_ms"], s["floor_ms"]))
        print(f"paired on {s['threads']} thread(s), {len(ratios)} pairs: core "
              f"{mid(s['core_ms']):.2f} ms ({years / mid(s['core_ms']) / 1e3:.2f} M "
              f"region-run-years/s), floor {mid(s['floor_ms']):.2f} ms; core / floor "
              f"median {mid(ratios):.2f}x (from {ratios[0]:.2f}x to {ratios[-1]:.2f}x)")
