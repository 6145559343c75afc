#!/bin/sh
# run.sh - domsec's benchmarks, side by side with their baselines, in one
# run. Not a test: nothing here decides pass or fail of `make check`.
#
#   make bench                       build t/bench/* and run this
#   top_srcdir=SRC top_builddir=BUILD sh SRC/t/bench/run.sh
#
# Environment:
#   BENCH_SESSIONS  sessions per milterload run, split over the connections
#                   (default 8000)
#   BENCH_CONNS     concurrencies (default "1 16 64")
#   BENCH_REPEATS   runs per figure, the best counts (default 2)
#   BENCH_QUICK=1   tiny runs, to try the script itself
# Prints a table and writes it to bench/results.txt in the build directory
# (every driver line in bench/raw.log). Each milter listens on a private
# socket (unix in a temporary directory, inet on a free 127.0.0.1 port),
# is started here and stopped by its PID; nothing else is touched.
#
# Rows that need programs not built yet print "n/a (not built)". The slots
# the lead fills in are the functions marked "SLOT": domsec-milter vs null
# (wired: used when milter/domsec-milter exists), domsec-policy select,
# milter RSS with 1,000 idle sessions (wired), config reload with 10^6
# domains (wired to a log line, see slot_reload), Postfix + smtp-source.
#
# Must not: kill by name, listen beyond loopback, or leave processes behind.
#
# shellcheck disable=SC2094,SC2154
# (raw.log is only appended to; cells are read through eval)
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
bench=$top_builddir/t/bench
milter=$top_builddir/milter/domsec-milter
policy=$top_builddir/policy/domsec-policy
conf=$top_srcdir/t/bench/bench.conf
out=$top_builddir/bench
SESSIONS=${BENCH_SESSIONS:-8000}
CONNS=${BENCH_CONNS:-"1 16 64"}
REPEATS=${BENCH_REPEATS:-2}
IDLE=1000 HOLD=3 BIG=1000000 LOOKUP_ARGS=
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    SESSIONS=700 REPEATS=1 IDLE=100 HOLD=1 BIG=10000
    LOOKUP_ARGS="-q 20000 -r 1 10 1000"
fi

for p in milterload nullmilter lookup cfgload; do
    if [ ! -x "$bench/$p" ]; then
        echo "run.sh: $bench/$p is missing: run \"make bench\"" >&2
        exit 1
    fi
done
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/domsec-bench.XXXXXX") || exit 1
raw=$out/raw.log
: >"$raw"
PIDS=
cleanup() {
    # shellcheck disable=SC2086
    [ -z "${PIDS# }" ] || stop_milter $PIDS
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "run.sh: $*" >&2; }

# ---- milters ---------------------------------------------------------------

# start_milter SPEC CMD...: run CMD (the word @SPEC@ replaced by SPEC) in
# the background; sets MPID. Returns 1 if it does not answer within
# $WAIT tenths of a second (an idle session: OPTNEG, CONNECT, HELO).
start_milter() {
    spec=$1
    shift
    n=$#
    while [ "$n" -gt 0 ]; do
        a=$1
        shift
        [ "$a" = @SPEC@ ] && a=$spec
        set -- "$@" "$a"
        n=$((n - 1))
    done
    echo "== $*" >>"$tmp/milter.log"
    "$@" >>"$tmp/milter.log" 2>&1 &
    MPID=$!
    PIDS="$PIDS $MPID"
    i=0
    while [ "$i" -lt "${WAIT:-100}" ]; do
        kill -0 "$MPID" 2>/dev/null || return 1
        "$bench/milterload" -s "$spec" --idle 1 --hold 0 >/dev/null 2>&1 &&
            return 0
        sleep 0.1
        i=$((i + 1))
    done
    stop_milter "$MPID"
    return 1
}

# stop_milter PID...: SIGTERM to all, then wait for all (libmilter may take
# a few seconds to notice; waiting in parallel saves that time).
stop_milter() {
    for pid in "$@"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "$@"; do
        wait "$pid" 2>/dev/null
        PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
    done
}

# start_on TRANSPORT NAME CMD...: start on a private unix socket or a free
# loopback port; sets SPEC and MPID, or returns 1.
start_on() {
    tr=$1 name=$2
    shift 2
    if [ "$tr" = unix ]; then
        SPEC=unix:$tmp/$name.sock
        start_milter "$SPEC" "$@" && return 0
    else
        try=0
        while [ "$try" -lt 10 ]; do
            port=$((20000 + ($$ * 7 + try * 1031 + ${#name} * 97) % 30000))
            SPEC=inet:$port@127.0.0.1
            start_milter "$SPEC" "$@" && return 0
            try=$((try + 1))
        done
    fi
    say "$name did not start on $tr (see its output below)"
    tail -5 "$tmp/milter.log" >&2
    return 1
}

# load SPEC EXPECT MIX CONNS: one milterload run; sets RATE (or FAILED),
# P99 and LINE (its result line).
load() {
    n=$((SESSIONS / $4))
    [ "$n" -ge 1 ] || n=1
    LINE=$("$bench/milterload" -s "$1" --expect "$2" --mix "$3" -c "$4" \
        -n "$n" 2>>"$raw" | tee -a "$raw" | grep '^result ')
    RATE=$(field rate) P99=$(field p99_ms)
    [ "$(field status)" = ok ] || RATE=FAILED
}

field() { # NAME: value of NAME= in $LINE
    echo "$LINE" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# best VAR RATE: keep the higher rate in VAR (FAILED sticks).
best() {
    eval "cur=\${$1:-}"
    if [ "$2" = FAILED ] || [ "$cur" = FAILED ]; then
        eval "$1=FAILED"
    elif [ -z "$cur" ] || awk "BEGIN{exit !($2 > $cur)}"; then
        eval "$1=$2"
    fi
}

cell() { # RATE: "6100" or FAILED or n/a
    case ${1:-} in
    '') echo "n/a" ;;
    FAILED) echo "FAILED" ;;
    *) printf '%.0f' "$1" ;;
    esac
}

secs() { # VALUE: "1.23 s", or the text as it is
    case ${1:-} in
    '') echo "n/a" ;;
    *[!0-9.]*) echo "$1" ;;
    *) echo "$1 s" ;;
    esac
}

ratio() { # A B: A/B to two places, or the reason there is none
    case "${1:-}/${2:-}" in
    */ | /*) echo "n/a (not built)" ;;
    *FAILED*) echo "FAILED" ;;
    *) awk "BEGIN{printf \"%.2f\", $1 / $2}" ;;
    esac
}

# ---- milter protocol throughput --------------------------------------------

# For each transport: the null milter negotiated like domsec (the
# baseline), the null milter taking every step (-a), and domsec-milter when
# built, all running at once so that each figure's repeats alternate
# between them and a slow spell on a shared machine hits all alike. The
# "eom" mix is used for throughput: every session reaches end of message,
# so domsec, which refuses some senders at MAIL under the builtin mix, is
# not flattered by shorter sessions.
throughput() {
    for tr in unix inet; do
        start_on "$tr" null "$bench/nullmilter" -f -s @SPEC@ || continue
        null_spec=$SPEC null_pid=$MPID
        start_on "$tr" all "$bench/nullmilter" -f -a -s @SPEC@ || continue
        all_spec=$SPEC all_pid=$MPID
        ds_spec=
        slot_domsec_start "$tr"
        for c in $CONNS; do
            r=0
            while [ "$r" -lt "$REPEATS" ]; do
                load "$null_spec" null eom "$c"
                best "null_${tr}_$c" "$RATE"
                eval "p99_null_${tr}_$c=$P99"
                load "$all_spec" null eom "$c"
                best "all_${tr}_$c" "$RATE"
                eval "p99_all_${tr}_$c=$P99"
                if [ -n "$ds_spec" ]; then
                    load "$ds_spec" domsec eom "$c"
                    best "ds_${tr}_$c" "$RATE"
                    eval "p99_ds_${tr}_$c=$P99"
                fi
                r=$((r + 1))
            done
            say "$tr, $c connections: null $(cell "$(eval echo "\${null_${tr}_$c:-}")")/s, all steps $(cell "$(eval echo "\${all_${tr}_$c:-}")")/s${ds_spec:+, domsec $(cell "$(eval echo "\${ds_${tr}_$c:-}")")/s}"
        done
        [ -n "$ds_spec" ] || ds_pid=
        # shellcheck disable=SC2086 # no domsec: no word at all
        stop_milter $ds_pid "$all_pid" "$null_pid"
    done
}

# The driver must catch a broken milter: nullmilter -r (refuses MAIL)
# and -H (adds a header) must fail every session under --expect null.
selfcheck() {
    selfcheck="ok: every session of both counted as a mismatch"
    pids=
    for flag in -r -H; do
        if ! start_on unix "broken$flag" "$bench/nullmilter" -f "$flag" \
            -s @SPEC@; then
            selfcheck="nullmilter $flag did not start"
            continue
        fi
        pids="$pids $MPID"
        LINE=$("$bench/milterload" -s "$SPEC" --expect null -c 7 -n 10 \
            2>/dev/null | grep '^result ')
        if [ "$(field status)" != FAILED ] || [ "$(field mismatches)" != 70 ]; then
            selfcheck="FAILED: nullmilter $flag was not caught"
        fi
    done
    # shellcheck disable=SC2086
    stop_milter $pids
}

# SLOT domsec-milter vs null: start domsec-milter on TRANSPORT with
# bench.conf and check every scenario once (builtin mix, --expect domsec)
# before timing it; sets ds_spec and ds_pid, or leaves ds_spec empty.
slot_domsec_start() {
    [ -x "$milter" ] || return 0
    start_on "$1" domsec "$milter" -f -c "$conf" -s @SPEC@ || {
        eval "ds_note_$1='did not start'"
        return 0
    }
    ds_spec=$SPEC ds_pid=$MPID
    LINE=$("$bench/milterload" -s "$ds_spec" --expect domsec --mix builtin \
        -c 7 -n 100 2>>"$raw" | tee -a "$raw" | grep '^result ')
    if [ "$(field status)" != ok ]; then
        eval "ds_note_$1='FAILED the scenario check (bench/raw.log)'"
        say "domsec-milter on $1 answers wrong: see $raw"
        for c in $CONNS; do eval "ds_${1}_$c=FAILED"; done
        stop_milter "$ds_pid"
        ds_spec=
    fi
}

# ---- memory with idle sessions ---------------------------------------------

idle_rss() { # SPEC PID: sets RSS_MIB (or FAILED)
    LINE=$("$bench/milterload" -s "$1" --idle "$IDLE" --hold "$HOLD" \
        --rss-pid "$2" 2>>"$raw" | tee -a "$raw" | grep '^result ')
    RSS_MIB=FAILED
    [ "$(field status)" = ok ] &&
        RSS_MIB=$(awk "BEGIN{printf \"%.1f\", $(field rss_kib) / 1024}")
}

rss() {
    if start_on unix null-idle "$bench/nullmilter" -f -s @SPEC@; then
        idle_rss "$SPEC" "$MPID"
        rss_null=$RSS_MIB
        stop_milter "$MPID"
    fi
    slot_rss
}

# SLOT milter RSS with 1,000 idle sessions (target < 64 MiB).
slot_rss() {
    [ -x "$milter" ] || return 0
    if start_on unix domsec-idle "$milter" -f -c "$conf" -s @SPEC@; then
        idle_rss "$SPEC" "$MPID"
        rss_ds=$RSS_MIB
        stop_milter "$MPID"
    else
        rss_ds="did not start"
    fi
}

# ---- list lookup and configuration load ------------------------------------

lookup() {
    # shellcheck disable=SC2086
    "$bench/lookup" $LOOKUP_ARGS >"$tmp/lookup.out" 2>>"$raw"
    lookup_status=$?
    cat "$tmp/lookup.out" >>"$raw"
    lookup_table=$(grep -v '^result ' "$tmp/lookup.out")
    LINE=$(grep '^result lookup ratio=' "$tmp/lookup.out")
    lookup_ratio=$(field ratio) match_ratio=$(field match_ratio)
    lookup_sizes="$(field largest) / $(field smallest)"
    [ "$lookup_status" = 0 ] || lookup_ratio=FAILED
}

# A configuration with $BIG domains on the receive list (in an included
# file, as an admin with a long list would keep it).
big_config() {
    awk -v n="$BIG" 'BEGIN {
        print "tls_receive_domain_secure_list = {"
        for (i = 1; i <= n; i++)
            printf "  \"partner%07d.example\"%s\n", i, (i < n ? "," : "")
        print "}" }' >"$tmp/biglist.conf"
    sed "s|tls_receive_domain_secure_list *=.*|include(\"$tmp/biglist.conf\")|" \
        "$conf" >"$tmp/big.conf"
}

cfgload() {
    big_config
    LINE=$("$bench/cfgload" -n "$BIG" "$tmp/big.conf" 2>>"$raw" |
        tee -a "$raw" | grep '^result ')
    cfg_s=$(field seconds)
    [ "$(field status)" = ok ] || cfg_s=FAILED
    slot_reload
}

# SLOT config reload time with 10^6 domains: start domsec-milter with the
# big configuration, send SIGHUP and time until its log shows a new line
# matching $RELOAD_PATTERN (domsec-milter logs "reloaded configuration
# from FILE: N receive domain(s), ..." once the new one is in place).
RELOAD_PATTERN=${RELOAD_PATTERN:-reloaded configuration}
slot_reload() {
    [ -x "$milter" ] || return 0
    reload_s="did not start"
    WAIT=600 start_on unix domsec-big "$milter" -f -c "$tmp/big.conf" \
        -s @SPEC@ || return 0
    before=$(grep -ci "$RELOAD_PATTERN" "$tmp/milter.log")
    t0=$(date +%s.%N)
    kill -HUP "$MPID"
    reload_s="no \"$RELOAD_PATTERN\" log line within 60 s"
    i=0
    while [ "$i" -lt 1200 ]; do
        if [ "$(grep -ci "$RELOAD_PATTERN" "$tmp/milter.log")" -gt "$before" ]; then
            reload_s=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}")
            break
        fi
        kill -0 "$MPID" 2>/dev/null || {
            reload_s="milter died on SIGHUP"
            break
        }
        sleep 0.05
        i=$((i + 1))
    done
    stop_milter "$MPID"
}

# ---- slots not wired yet ---------------------------------------------------

# SLOT domsec-policy select at 10, 10^3, 10^4 certificates (target < 2 s at
# 10^4): make a store of N certificates (EC keys; t/lib/pki.sh is too slow
# for 10^4: sign with one CA key in a loop or in C), a config listing them,
# and time `domsec-policy -c CONF select --json`, checking its exit status
# and that one certificate was selected. Sets select_10 select_1000
# select_10000 (seconds).
slot_select() {
    [ -x "$policy" ] || return 0
    select_note="n/a (slot not wired yet: see run.sh slot_select)"
}

# SLOT Postfix + smtp-source end to end (target ratio >= 0.9): a private
# Postfix on 127.0.0.1 (postfix -c DIR, see reference/mta-facts.md),
# smtp-source -s 16 -m 5000 into it with smtpd_milters empty, then with
# domsec-milter; messages/s from the elapsed time. smtp-source has no TLS,
# so every session is "unlisted" or "no TLS" to domsec. Sets e2e_none
# e2e_domsec (messages/s).
slot_e2e() {
    e2e_note="n/a (slot not wired yet: see run.sh slot_e2e)"
}

# ---- the table -------------------------------------------------------------

row() { printf '%-46s %s\n' "$1" "$2"; }

conn_cells() { # PREFIX [p99]: one cell per concurrency
    line=
    for c in $CONNS; do
        eval "v=\${$1_$c:-}"
        eval "p=\${p99_$1_$c:-}"
        cellv=$(cell "$v")
        [ "$cellv" = n/a ] || [ "$cellv" = FAILED ] || cellv="$cellv ($p)"
        line="$line$(printf '%-17s' "$cellv")"
    done
    echo "$line"
}

table() {
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
        head -1)
    echo "domsec benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(uname -srm), $(nproc 2>/dev/null || echo ?) CPUs" \
        "(${cpu:-unknown}); driver and milters share them"
    echo "load average at start: $load_start"
    echo
    hdr=
    for c in $CONNS; do hdr="$hdr$(printf '%-17s' "$c conn")"; done
    row "driver self-check (nullmilter -r, -H)" "${selfcheck:-n/a}"
    row "milter protocol: sessions/s (p99 ms)" "$hdr"
    row "  ($SESSIONS sessions a run, best of $REPEATS, eom mix)" ""
    for tr in unix inet; do
        row "  null milter, $tr, domsec negotiation" "$(conn_cells "null_$tr")"
        row "  null milter, $tr, all steps (-a)" "$(conn_cells "all_$tr")"
        if [ -x "$milter" ]; then
            eval "note=\${ds_note_$tr:-}"
            if [ -n "$note" ]; then
                row "  domsec-milter, $tr" "$note"
            else
                row "  domsec-milter, $tr" "$(conn_cells "ds_$tr")"
            fi
            line=
            for c in $CONNS; do
                eval "a=\${ds_${tr}_$c:-} b=\${null_${tr}_$c:-}"
                line="$line$(printf '%-17s' "$(ratio "$a" "$b")")"
            done
            row "  domsec / null, $tr (target >= 0.9)" "$line"
        else
            row "  domsec-milter / null, $tr" "n/a (not built)"
        fi
    done
    echo
    row "list lookup (normalise + match), ns:" ""
    echo "$lookup_table" | sed 's/^/    /'
    row "  ratio ${lookup_sizes:-10^6 / 10} (target <= 1.5)" \
        "${lookup_ratio:-n/a} (match alone: ${match_ratio:-n/a})"
    row "config load, $BIG domains (ds_config_load)" "$(secs "${cfg_s:-}")"
    if [ -x "$milter" ]; then
        row "config reload, $BIG domains (SIGHUP)" "$(secs "${reload_s:-}")"
    else
        row "config reload, $BIG domains (SIGHUP)" "n/a (not built)"
    fi
    if [ -x "$policy" ]; then
        row "domsec-policy select, 10/10^3/10^4 certs" "${select_note:-}"
    else
        row "domsec-policy select, 10/10^3/10^4 certs" "n/a (not built)"
    fi
    row "milter RSS, $IDLE idle sessions (< 64 MiB)" \
        "null milter ${rss_null:-n/a} MiB; domsec-milter $(
            [ -x "$milter" ] && echo "${rss_ds:-n/a} MiB" ||
                echo "n/a (not built)")"
    row "Postfix + smtp-source, domsec / none" "${e2e_note:-n/a}"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
say "driver self-check against broken milters"
selfcheck
say "milter protocol throughput (about a minute)"
throughput
say "memory with $IDLE idle sessions"
rss
say "list lookup"
lookup
say "configuration load with $BIG domains"
cfgload
slot_select
slot_e2e
table | tee "$out/results.txt"
echo
echo "written to $out/results.txt (driver output: $raw)"
