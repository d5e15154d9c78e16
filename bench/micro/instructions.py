#!/usr/bin/env python3
"""Instructions per record of the transform cases, counted by callgrind.

The VM these benchmarks run on shares its two cores, so wall-clock figures
move by 10-50 % between runs; instruction counts do not. For each case of
BM_Transform given on the command line (its index, see pipeline_bench.cc),
this runs the micro benchmark under `valgrind --tool=callgrind` and prints the
inclusive instructions of TransformChain::apply (the chain) and of
RecordPart::bytes (serializing a changed document) per record.

    make bench-instructions                   # cases 1 2 3 4 15
    python3 bench/micro/instructions.py --bench build/bin/sluice_micro_bench 15

Needs valgrind (scripts/deps.sh --profiling). Each case takes ~5-15 s.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

BATCH = 2000  # records per batch in pipeline_bench.cc


def inclusive(lines, fn):
    """(instructions, calls) of the function whose name contains fn."""
    for i, line in enumerate(lines):
        if "*  " in line and fn in line and "[/" not in line:
            total = int(re.match(r"\s*([\d,]+)", line).group(1).replace(",", ""))
            calls = 0
            j = i - 1
            while j >= 0 and "<" in lines[j]:  # the callers, each with (Nx)
                m = re.search(r"\(([\d,]+)x\)", lines[j])
                calls += int(m.group(1).replace(",", "")) if m else 0
                j -= 1
            return total, calls
    return 0, 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default="build/bin/sluice_micro_bench")
    ap.add_argument("--seconds", type=float, default=3.0, help="benchmark time per case (under valgrind)")
    ap.add_argument("cases", nargs="*", type=int, default=[1, 2, 3, 4, 15])
    a = ap.parse_args()
    if subprocess.run(["sh", "-c", "command -v valgrind"], capture_output=True).returncode != 0:
        sys.exit("valgrind is not installed: bash scripts/deps.sh --profiling")
    print(f"{'case':<6} {'label':<20} {'chain/rec':>10} {'serialize/rec':>14} {'total':>8}")
    for case in a.cases:
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "cg.%p")
            run = subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", a.bench,
                 f"--benchmark_filter=BM_Transform/{case}$", f"--benchmark_min_time={a.seconds}"],
                capture_output=True, text=True)
            files = glob.glob(os.path.join(d, "cg.*"))
            if run.returncode != 0 or not files:
                sys.exit(f"case {case}: the benchmark failed under valgrind:\n{run.stderr[-2000:]}")
            label = re.search(rf"BM_Transform/{case}\s.*?(\S+)\s*$", run.stdout, re.M)
            ann = subprocess.run(["callgrind_annotate", "--tree=caller", "--inclusive=yes", files[0]],
                                 capture_output=True, text=True, check=True).stdout.splitlines()
        chain, batches = inclusive(ann, "TransformChain::apply(std")
        ser, sers = inclusive(ann, "RecordPart::bytes")
        if batches == 0:
            sys.exit(f"case {case}: TransformChain::apply was not called (a case without transforms?)")
        per_chain = chain / (batches * BATCH)
        per_ser = ser / sers if sers else 0
        print(f"{case:<6} {label.group(1) if label else '':<20} {per_chain:>10,.0f} {per_ser:>14,.0f} "
              f"{per_chain + per_ser:>8,.0f}")


if __name__ == "__main__":
    main()
