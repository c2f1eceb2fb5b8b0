#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target of the pure parts (built by make into
# build/fuzz/) for SECONDS each, starting from the committed seed corpus
# (tests/fuzz/corpus/NAME) and keeping what it learns in build/fuzz/corpus.
# A crash, a sanitizer report or a failed property stops with the input
# kept in build/fuzz/crash-NAME-*.
#   tests/fuzz/run.sh SECONDS [NAME ...]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}; shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(body phone text jwt smstpl time ipkey paysig device lang wa)
status=0
total_execs=0
for n in "${names[@]}"; do
    work="$top/build/fuzz/corpus/$n"
    mkdir -p "$work"
    log="$top/build/fuzz/$n.log"
    if "$top/build/fuzz/$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$top/build/fuzz/crash-$n-" \
            "$work" "$top/tests/fuzz/corpus/$n" > "$log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        corpus=$(ls "$work" | wc -l)
        printf '[fuzz] %-7s ok: %s execs in %ss, corpus %s inputs\n' "$n" "${execs:-?}" "$secs" "$corpus"
        total_execs=$((total_execs + ${execs:-0}))
    else
        status=1
        printf '[fuzz] %-7s FAILED:\n' "$n"
        grep -E "ERROR|property failed|SUMMARY|Test unit written" "$log" | head -20
    fi
done
echo "[fuzz] ${#names[@]} targets, $total_execs executions, $([ $status = 0 ] && echo "no crash" || echo "CRASHES")"
exit $status
