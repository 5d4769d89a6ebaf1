#!/usr/bin/env bash
# Builds both presets and runs every test: the whole ctest suite in the
# default build, the unit tests under AddressSanitizer + UBSan, and every
# benchmark suite in --smoke mode (seconds each; full runs: scripts/bench.sh).
# Prints the time of each stage. Run as root on Debian 12 from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

stage "install packages" scripts/install-deps.sh
stage "build default" build_preset default
stage "build asan" build_preset asan
stage "ctest default" run_ctest default
stage "ctest asan (unit)" run_ctest asan
stage "benchmarks (smoke)" build/bin/safeguard-bench all --smoke

print_stage_times
print_test_totals
