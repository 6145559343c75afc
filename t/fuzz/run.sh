#!/bin/sh
# run.sh - fuzz every libFuzzer target (built by `make fuzz`) for a bounded
# time each and report executions and crashes per target.
#
#   t/fuzz/run.sh [-t SECONDS] [TARGET...]        (default 60 s, every target)
#
# Each target starts from its seed corpus t/fuzz/corpus/NAME (read only)
# plus what earlier runs found in $top_builddir/t/fuzz/work/NAME; crashes,
# leaks, timeouts and out-of-memory inputs are saved in
# $top_builddir/t/fuzz/crashes/NAME/. Turn each one into a regression input:
# fix the bug, then copy the file into t/fuzz/corpus/NAME/ (make check
# replays it from then on). Prints one line per target and a last line
# "fuzz: T targets, E executions, C crashes"; exit 1 when anything crashed
# or a target could not run, 0 otherwise.
#
# Must not: touch the seed corpora, run without a time bound, or read stdin
# (a config include() of /dev/stdin must not wait for a terminal).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
secs=60
while getopts t: opt; do
    case $opt in
    t) secs=$OPTARG ;;
    *) echo "usage: run.sh [-t SECONDS] [TARGET...]" >&2; exit 64 ;;
    esac
done
shift $((OPTIND - 1))
fuzzdir=$top_builddir/t/fuzz
if [ $# -eq 0 ]; then
    set --
    for src in "$top_srcdir"/t/fuzz/fuzz-*.c; do
        t=$(basename "$src" .c)
        set -- "$@" "${t#fuzz-}"
    done
fi

total_execs=0 total_crashes=0 status=0 n=0
printf '%-10s %12s %10s %8s %8s  %s\n' target executions exec/s corpus crashes status
for t in "$@"; do
    n=$((n + 1))
    bin=$fuzzdir/fuzz-$t
    work=$fuzzdir/work/$t
    art=$fuzzdir/crashes/$t
    log=$fuzzdir/work/$t.log
    mkdir -p "$work" "$art"
    if [ ! -x "$bin" ]; then
        printf '%-10s %12s %10s %8s %8s  %s\n' "$t" - - - - "not built (make fuzz)"
        status=1
        continue
    fi
    dict=
    [ -f "$top_srcdir/t/fuzz/$t.dict" ] && dict=-dict=$top_srcdir/t/fuzz/$t.dict
    before=$(find "$art" -type f | wc -l)
    # shellcheck disable=SC2086
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
        "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=8192 -print_final_stats=1 -artifact_prefix="$art/" $dict \
        "$work" "$top_srcdir/t/fuzz/corpus/$t" </dev/null >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corpus=$(find "$work" -type f | wc -l)
    crashes=$(($(find "$art" -type f | wc -l) - before))
    state=ok
    if [ "$crashes" -gt 0 ] || [ $rc -ne 0 ]; then
        state="FAILED (exit $rc; log $log)"
        status=1
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed)' "$log" | head -5 |
            sed 's/^/    /'
        find "$art" -type f -newer "$bin" | sed 's/^/    saved: /'
    fi
    printf '%-10s %12s %10s %8s %8s  %s\n' "$t" "${execs:-0}" "${rate:-0}" \
        "$corpus" "$crashes" "$state"
    total_execs=$((total_execs + ${execs:-0}))
    total_crashes=$((total_crashes + crashes))
done
echo "fuzz: $n targets, $total_execs executions, $total_crashes crashes"
exit $status
