#!/bin/sh
# run.sh - domsec's benchmarks, side by side with their baselines, in one
# run. Not a test: nothing here decides pass or fail of `make check`.
#
#   make bench                       build t/bench/* and run this
#   top_srcdir=SRC top_builddir=BUILD sh SRC/t/bench/run.sh
#
# Environment:
#   BENCH_SESSIONS  sessions per milterload run, split over the connections
#                   and the two milters compared (default 4000; at least
#                   250 a connection)
#   BENCH_CONNS     concurrencies (default "1 16 64")
#   BENCH_ROUNDS    runs per concurrency (default 7): milterload's pair
#                   mode, the null milter and domsec-milter side by side;
#                   the ratio is the median over the runs
#   BENCH_E2E_MSGS  messages per smtp-source run (default 800)
#   BENCH_TLS_MSGS  messages per tlsload run (default 480)
#   BENCH_TLS_ROUNDS  rounds of the mutual TLS part (default 6)
#   BENCH_TLS_CONNS concurrencies of its good mail (default "1 16")
#   BENCH_QUICK=1   tiny runs, to try the script itself
#   BENCH_ONLY      the parts to run (default all): selfcheck throughput
#                   rss lookup cfgload select e2e tls
# Prints a summary (every target, PASS or MISS) and the details, and writes
# both to bench/results.txt in the build directory (every driver line in
# bench/raw.log); `make bench-readme` (t/bench/readme.sh) turns the
# summary into the README's table. Each milter listens on a private socket
# (unix in a temporary directory, inet on a free 127.0.0.1 port); the
# private Postfix instances listen on free 127.0.0.1 ports; everything is
# started here and stopped by its PID. The mutual TLS part (partner mail
# through Postfix, with tlsload) lives in t/bench/tls.sh.
#
# The machine is shared and noisy: figures are medians of several runs,
# and every ratio compares two things measured side by side in the same
# run (milterload's pair mode; the Postfix listeners in turn), so a slow
# spell hits both alike. The spread (lowest and highest run) is printed
# with each ratio.
#
# Must not: kill by name, listen beyond loopback, or leave processes behind.
#
# shellcheck disable=SC2034,SC2094,SC2154
# (raw.log is only appended to; cells are set and read through eval)
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
bench=$top_builddir/t/bench
milter=$top_builddir/milter/domsec-milter
policy=$top_builddir/policy/domsec-policy
conf=$top_srcdir/t/bench/bench.conf
out=$top_builddir/bench
SESSIONS=${BENCH_SESSIONS:-4000}
CONNS=${BENCH_CONNS:-"1 16 64"}
ROUNDS=${BENCH_ROUNDS:-7}
ALL_ROUNDS=2 # pair runs of the null milter versus the all-steps one (-a)
PAIR_MIN=250 # sessions a connection, at least, in a pair run
E2E_MSGS=${BENCH_E2E_MSGS:-800} E2E_ROUNDS=5 E2E_CONC=16
IDLE=1000 HOLD=3 BIG=1000000 LOOKUP_ARGS=
SELECT_SIZES="10 1000 10000" SELECT_RUNS=3
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    SESSIONS=700 ROUNDS=3 ALL_ROUNDS=1 PAIR_MIN=20 IDLE=100 HOLD=1 BIG=10000
    LOOKUP_ARGS="-q 20000 -r 1 10 1000"
    SELECT_SIZES="10 100" SELECT_RUNS=1 E2E_MSGS=100 E2E_ROUNDS=1
fi
PATH=$PATH:/usr/sbin:/sbin

for p in milterload nullmilter lookup cfgload mkcerts tlsload; do
    if [ ! -x "$bench/$p" ]; then
        echo "run.sh: $bench/$p is missing: run \"make bench\"" >&2
        exit 1
    fi
done
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/domsec-bench.XXXXXX") || exit 1
chmod 755 "$tmp" # the private Postfix's smtpd (user postfix) goes in
raw=$out/raw.log
: >"$raw"
PIDS='' PF_DIR='' TLS_PF=''
cleanup() {
    for dir in $PF_DIR $TLS_PF; do
        pf_stop "$dir"
        pf_milter_stop "$dir"
    done
    # shellcheck disable=SC2086
    [ -z "${PIDS# }" ] || stop_milter $PIDS
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "run.sh: $*" >&2; }

# shellcheck source=t/bench/tls.sh
. "$top_srcdir/t/bench/tls.sh"

# ---- numbers ---------------------------------------------------------------

# median FILE: the median of the numbers in FILE (one a line), or nothing.
median() {
    sort -g "$1" 2>/dev/null | awk '{ v[NR] = $1 } END {
        if (NR % 2) printf "%s", v[(NR + 1) / 2]
        else if (NR) printf "%s", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# lowest FILE / highest FILE
lowest() { sort -g "$1" 2>/dev/null | head -1; }
highest() { sort -g "$1" 2>/dev/null | tail -1; }

fmt() { # FORMAT NUMBER: printf, or the text as it is when not a number
    # shellcheck disable=SC2059 # the format is the caller's
    case ${2:-} in
    '') echo "n/a" ;;
    *[!0-9.e+-]*) echo "$2" ;;
    *) printf "$1" "$2" ;;
    esac
}

# verdict VALUE OP LIMIT: PASS or MISS (n/a when VALUE is not a number)
verdict() {
    case ${1:-} in
    '' | *[!0-9.]*) echo "n/a" ;;
    *) awk "BEGIN { exit !($1 $2 $3) }" && echo PASS || echo MISS ;;
    esac
}

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

# pair A EXPECT_A B EXPECT_B CONNS: one milterload run in pair mode (the
# two milters side by side, eom mix, SESSIONS sessions in all); sets
# RATE_A, P99_A, RATE_B, P99_B and RATIO (B / A), RATE_* FAILED when that
# milter answered wrong.
pair() {
    n=$((SESSIONS / $5))
    [ "$n" -ge "$PAIR_MIN" ] || n=$PAIR_MIN # 25 blocks of 10 a connection
    "$bench/milterload" -s "$1" --expect "$2" --versus "$3" \
        --versus-expect "$4" --mix eom -c "$5" -n "$n" 2>>"$raw" |
        tee -a "$raw" | grep '^result ' >"$tmp/pair.out"
    for x in A B; do
        [ "$x" = A ] && spec=$1 || spec=$3
        LINE=$(grep "^result mode=pair socket=$spec " "$tmp/pair.out")
        if [ "$(field status)" = ok ]; then
            eval "RATE_$x=\$(field rate) P99_$x=\$(field p99_ms)"
        else
            eval "RATE_$x=FAILED"
        fi
        eval "NEG_$x=\"actions \$(field actions), pflags \$(field pflags)\""
    done
    LINE=$(grep '^result mode=ratio' "$tmp/pair.out")
    RATIO=$(field ratio)
}

field() { # NAME: value of NAME= in $LINE
    echo "$LINE" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# record KEY RATE P99: append to $tmp/KEY.rate and .p99; a FAILED run
# marks KEY failed for good.
record() {
    if [ "$2" = FAILED ]; then
        : >"$tmp/$1.failed"
    else
        echo "$2" >>"$tmp/$1.rate"
        echo "$3" >>"$tmp/$1.p99"
    fi
}

# rate_cell KEY: "median (p99 ms)", FAILED or n/a
rate_cell() {
    if [ -f "$tmp/$1.failed" ]; then
        echo FAILED
    elif [ -s "$tmp/$1.rate" ]; then
        echo "$(fmt %.0f "$(median "$tmp/$1.rate")") ($(fmt %.2f \
            "$(median "$tmp/$1.p99")"))"
    else
        echo "n/a"
    fi
}

# ---- milter protocol throughput --------------------------------------------

# For each transport: the null milter negotiated like domsec (the
# baseline), the null milter taking every step (-a, for information), and
# domsec-milter, all running at once. For each concurrency, ROUNDS pair-mode
# runs of null versus domsec (milterload alternates between them every 10
# sessions on every connection, so both meet the machine in the same
# state), and ALL_ROUNDS of null versus -a. A milter's figure is the median
# of its rates, the ratio the median of the rounds' ratios. The "eom" mix
# is used: every session reaches end of message, so domsec, which refuses
# some senders at MAIL under the builtin mix, is not flattered by shorter
# sessions.
throughput() {
    for tr in unix inet; do
        start_on "$tr" null "$bench/nullmilter" -f -s @SPEC@ || continue
        null_spec=$SPEC null_pid=$MPID
        start_on "$tr" all "$bench/nullmilter" -f -a -s @SPEC@ || continue
        all_spec=$SPEC all_pid=$MPID
        ds_spec=
        slot_domsec_start "$tr"
        for c in $CONNS; do
            r=1
            while [ -n "$ds_spec" ] && [ "$r" -le "$ROUNDS" ]; do
                pair "$null_spec" null "$ds_spec" domsec "$c"
                if [ "$NEG_A" != "$NEG_B" ]; then
                    negotiation="differs on $tr: null $NEG_A, domsec $NEG_B"
                elif [ -z "${negotiation:-}" ]; then
                    negotiation="same: $NEG_A"
                fi
                record "null_${tr}_$c" "$RATE_A" "${P99_A:-}"
                record "ds_${tr}_$c" "$RATE_B" "${P99_B:-}"
                [ "$RATE_A" = FAILED ] || [ "$RATE_B" = FAILED ] ||
                    echo "$RATIO" >>"$tmp/ratio_${tr}_$c"
                r=$((r + 1))
            done
            r=1
            while [ "$r" -le "$ALL_ROUNDS" ]; do
                pair "$null_spec" null "$all_spec" null "$c"
                [ -n "$ds_spec" ] ||
                    record "null_${tr}_$c" "$RATE_A" "${P99_A:-}"
                record "all_${tr}_$c" "$RATE_B" "${P99_B:-}"
                r=$((r + 1))
            done
            say "$tr, $c connections: null $(rate_cell "null_${tr}_$c")," \
                "domsec $(rate_cell "ds_${tr}_$c"), ratio $(ratio_cell "$tr" "$c")"
        done
        [ -n "$ds_spec" ] || ds_pid=
        # shellcheck disable=SC2086 # no domsec: no word at all
        stop_milter $ds_pid "$all_pid" "$null_pid"
    done
}

# ratio_cell TRANSPORT CONNS: "0.93 (0.85-1.02)", FAILED or the reason
ratio_cell() {
    f=$tmp/ratio_$1_$2
    if [ ! -x "$milter" ]; then
        echo "n/a (not built)"
    elif [ -f "$tmp/ds_$1_$2.failed" ] || [ -f "$tmp/null_$1_$2.failed" ]; then
        echo FAILED
    elif eval "[ -n \"\${ds_note_$1:-}\" ]"; then
        eval "echo \"\$ds_note_$1\""
    elif [ -s "$f" ]; then
        echo "$(fmt %.2f "$(median "$f")") ($(fmt %.2f "$(lowest "$f")")-$(fmt \
            %.2f "$(highest "$f")"))"
    else
        echo "n/a"
    fi
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

# domsec-milter vs null: start domsec-milter on TRANSPORT with bench.conf
# and check every scenario once (builtin mix, --expect domsec) before
# timing it; sets ds_spec and ds_pid, or leaves ds_spec empty.
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

# milter RSS with 1,000 idle sessions (target < 64 MiB).
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

# Config reload time with 10^6 domains: start domsec-milter with the big
# configuration, send SIGHUP and time until its log shows a new line
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
    reload_rss=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' \
        "/proc/$MPID/status" 2>/dev/null)
    stop_milter "$MPID"
}

# ---- domsec-policy select --------------------------------------------------

# select_conf N: a configuration naming certificates 1..N of $tmp/certs,
# one certificate section each, with a receive and a send connector whose
# name is the one mkcerts puts on every 100th certificate.
select_conf() {
    {
        printf 'server {\n  fqdn = "mail1.contoso.com"\n'
        printf '  trust_store = "%s/ca.pem"\n}\n' "$tmp/certs"
        printf 'receive_connector "Inet" {\n  fqdn = "mail.contoso.com"\n'
        printf '  auth_mechanism = { "tls" }\n  domain_secure_enabled = true\n}\n'
        printf 'send_connector "Internet" {\n  address_spaces = { "*" }\n'
        printf '  fqdn = "mail.contoso.com"\n  domain_secure_enabled = true\n}\n'
        awk -v n="$1" -v d="$tmp/certs" 'BEGIN { for (i = 1; i <= n; i++)
            printf "certificate \"c%05d\" {\n  cert = \"%s/cert-%05d.pem\"\n" \
                   "  key = \"%s/cert-%05d.key\"\n  services = { \"smtp\" }\n}\n",
                   i, d, i, d, i }'
    } >"$tmp/select-$1.conf"
}

# domsec-policy select at 10, 10^3, 10^4 certificates (target < 2 s at
# 10^4): SELECT_RUNS timed runs of `domsec-policy -c CONF --at T select
# --json` each; a run counts only when it exits 0 and the JSON names the
# certificate the rules must pick (the newest one with the connector's
# name: number N rounded down to a multiple of 100, or 1). Sets
# select_<N> (median seconds, or the failure) and select_<N>_range.
slot_select() {
    if [ ! -x "$policy" ]; then
        select_note="n/a (domsec-policy not built)"
        return 0
    fi
    max=0
    for n in $SELECT_SIZES; do [ "$n" -gt "$max" ] && max=$n; done
    mkdir -p "$tmp/certs"
    t0=$(date +%s.%N)
    "$bench/mkcerts" -n "$max" -e 100 -d "$tmp/certs" 2>>"$raw" || {
        select_note="FAILED: mkcerts could not make the certificates"
        return 0
    }
    say "made $max certificates in $(awk "BEGIN { printf \"%.1f\", \
        $(date +%s.%N) - $t0 }") s"
    for n in $SELECT_SIZES; do
        select_conf "$n"
        want=$((n / 100 * 100))
        [ "$want" -ge 1 ] || want=1
        want=$(printf 'c%05d' "$want")
        : >"$tmp/select-$n.s"
        r=0
        while [ "$r" -lt "$SELECT_RUNS" ]; do
            t0=$(date +%s.%N)
            "$policy" -c "$tmp/select-$n.conf" --at 2030-01-01 select \
                --json >"$tmp/select-$n.json" 2>>"$raw"
            st=$?
            t1=$(date +%s.%N)
            if [ "$st" != 0 ]; then
                eval "select_$n='FAILED (exit $st)'"
                break
            fi
            if ! grep -q "\"certificate\": \"$want\"" "$tmp/select-$n.json"; then
                eval "select_$n='FAILED ($want not selected)'"
                break
            fi
            awk "BEGIN { print $t1 - $t0 }" >>"$tmp/select-$n.s"
            r=$((r + 1))
        done
        echo "select $n certificates: $(tr '\n' ' ' <"$tmp/select-$n.s")" \
            >>"$raw"
        if [ "$r" = "$SELECT_RUNS" ]; then
            eval "select_$n=\$(fmt %.2f \"\$(median \"\$tmp/select-\$n.s\")\")"
            eval "select_${n}_range=\"\$(fmt %.2f \"\$(lowest \
                \"\$tmp/select-\$n.s\")\")-\$(fmt %.2f \"\$(highest \
                \"\$tmp/select-\$n.s\")\")\""
        fi
    done
}

# ---- Postfix + smtp-source end to end --------------------------------------

# A private Postfix on 127.0.0.1 (t/lib/postfix.sh) delivering to the
# discard transport, with three smtpd listeners that differ only in
# smtpd_milters: none, the null milter, domsec-milter. `smtp-source -s
# E2E_CONC -m E2E_MSGS` (one message per SMTP session, as a milter sees
# most mail) is run against each in turn, E2E_ROUNDS rounds, the order
# rotating. A run's rate is messages over the time from the first
# connection until the queue is empty again; it counts only when
# smtp-source succeeded and the log shows every message discarded. The
# ratios are the medians of the rounds' domsec/none and null/none (the
# second: what any libmilter milter costs Postfix here).
# smtp-source has no TLS and sends from an unlisted domain: this measures
# the milter's cost on ordinary mail (negotiation, CONNECT, MAIL, headers,
# end of message, one decision), not the mark.
# Sets e2e_none, e2e_null, e2e_domsec, e2e_ratio, e2e_range, e2e_null_ratio,
# or e2e_note.
slot_e2e() {
    if [ "$(id -u)" != 0 ]; then
        e2e_note="n/a (needs root for a private Postfix)"
        return 0
    fi
    for t in postfix postconf smtp-source openssl; do
        command -v "$t" >/dev/null 2>&1 || {
            e2e_note="n/a ($t not installed)"
            return 0
        }
    done
    if ! id postfix >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1 ||
        [ ! -x "$milter" ]; then
        e2e_note="n/a (no user postfix or nobody, or no domsec-milter)"
        return 0
    fi
    # shellcheck disable=SC1091
    . "$top_srcdir/t/lib/postfix.sh"
    PF_MILTER=$milter
    d=$tmp/e2e
    mkdir -p "$d"
    chmod 755 "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$d/key.pem" -out "$d/cert.pem" -days 30 \
        -subj /CN=mx.contoso.test >/dev/null 2>&1
    PF_DIR=$d/pf
    msock=$PF_DIR/milter
    port_none=$(pf_free_port)
    if ! pf_init "$PF_DIR" contoso "$port_none" "$d/cert.pem" "$d/key.pem" \
        "$d/cert.pem" Inet >>"$raw" 2>&1 ||
        ! postconf -c "$PF_DIR/etc" -e virtual_transport=discard \
            "default_process_limit=$((3 * E2E_CONC))" >>"$raw" 2>&1; then
        e2e_note="FAILED: private Postfix not set up (bench/raw.log)"
        return 0
    fi
    for m in null domsec; do
        port=$port_none
        while [ "$port" = "$port_none" ] || [ "$port" = "${port_null:-}" ]; do
            port=$(pf_free_port)
        done
        eval "port_$m=\$port"
        sock=$msock/milter.sock
        [ "$m" = null ] && sock=$msock/null.sock
        # pf_init's listener, with a milter
        printf '127.0.0.1:%s inet n - n - - smtpd\n%s\n%s\n%s\n%s\n' \
            "$port" "  -o milter_macro_daemon_name=Inet" \
            "  -o smtpd_tls_ask_ccert=yes" \
            "  -o smtpd_tls_CAfile=$d/cert.pem" \
            "  -o smtpd_milters=unix:$sock" >>"$PF_DIR/etc/master.cf"
    done
    sed -e "s|^\( *socket *=\).*|\1 \"unix:$msock/milter.sock\"|" \
        -e 's|^\( *user *=\).*|\1 "nobody"\n    socket_mode = "0666"|' \
        "$conf" >"$d/domsec.conf"
    chmod 644 "$d/domsec.conf"
    if ! pf_milter_start "$PF_DIR" "$d/domsec.conf" ||
        ! start_milter "unix:$msock/null.sock" "$bench/nullmilter" -f \
            -s @SPEC@ || ! chmod 666 "$msock/null.sock" ||
        ! pf_start "$PF_DIR"; then
        e2e_note="FAILED: Postfix or a milter did not start (bench/raw.log)"
        cat "$PF_DIR"/log/* "$PF_DIR/etc/master.cf" >>"$raw" 2>/dev/null
        return 0
    fi
    null_e2e_pid=$MPID
    : >"$d/ratio"
    : >"$d/null_ratio"
    r=0
    while [ "$r" -lt "$E2E_ROUNDS" ]; do
        case $((r % 3)) in
        0) order="none null domsec" ;;
        1) order="null domsec none" ;;
        2) order="domsec none null" ;;
        esac
        for m in $order; do
            e2e_run "$m" || break 2
        done
        awk "BEGIN { print $e2e_rate_domsec / $e2e_rate_none }" >>"$d/ratio"
        awk "BEGIN { print $e2e_rate_null / $e2e_rate_none }" >>"$d/null_ratio"
        r=$((r + 1))
    done
    stop_milter "$null_e2e_pid"
    pf_stop "$PF_DIR" # the next part has a Postfix of its own
    pf_milter_stop "$PF_DIR"
    PF_DIR=
    [ -z "${e2e_note:-}" ] || return 0
    e2e_none=$(fmt %.0f "$(median "$d/none.rate")")
    e2e_null=$(fmt %.0f "$(median "$d/null.rate")")
    e2e_domsec=$(fmt %.0f "$(median "$d/domsec.rate")")
    e2e_ratio=$(fmt %.2f "$(median "$d/ratio")")
    e2e_range="$(fmt %.2f "$(lowest "$d/ratio")")-$(fmt %.2f \
        "$(highest "$d/ratio")")"
    e2e_null_ratio=$(fmt %.2f "$(median "$d/null_ratio")")
}

# e2e_run none|null|domsec: smtp-source once against that listener, then
# wait for the queue to drain; appends the rate to $d/MODE.rate and sets
# e2e_rate_MODE. Returns 1 (and sets e2e_note) when the run failed.
e2e_run() {
    eval "port=\$port_$1"
    sent_before=$(grep -c 'status=sent' "$PF_DIR/log/maillog" 2>/dev/null)
    t0=$(date +%s.%N)
    smtp-source -4 -s "$E2E_CONC" -m "$E2E_MSGS" -M client.example \
        -f frank@fabrikam.example -t bob@contoso.test "127.0.0.1:$port" \
        >>"$raw" 2>&1
    st=$?
    i=0
    while ! pf_queue_empty "$PF_DIR" && [ "$i" -lt 1200 ]; do
        sleep 0.02
        i=$((i + 1))
    done
    t1=$(date +%s.%N)
    i=0 # the last discard lines reach the log
    while [ "$i" -lt 50 ]; do
        sent=$(($(grep -c 'status=sent' "$PF_DIR/log/maillog") - sent_before))
        [ "$sent" -lt "$E2E_MSGS" ] || break
        sleep 0.1
        i=$((i + 1))
    done
    echo "e2e $1: smtp-source exit $st, $sent of $E2E_MSGS discarded in" \
        "$(awk "BEGIN { print $t1 - $t0 }") s" >>"$raw"
    if [ "$st" != 0 ] || [ "$sent" != "$E2E_MSGS" ]; then
        e2e_note="FAILED: $1: smtp-source exit $st, $sent of $E2E_MSGS messages delivered (bench/raw.log)"
        return 1
    fi
    rate=$(awk "BEGIN { print $E2E_MSGS / ($t1 - $t0) }")
    echo "$rate" >>"$d/$1.rate"
    eval "e2e_rate_$1=\$rate"
}

# ---- the table -------------------------------------------------------------

# line MEASURE VALUE TARGET VERDICT: at least two spaces between the
# columns, none within (t/bench/readme.sh splits the lines there)
line() { printf '%-46s  %-30s  %-9s  %s\n' "$1" "$2" "$3" "$4"; }

summary() {
    line "measure" "value" "target" "verdict"
    sc=${selfcheck:-n/a}
    line "driver self-check (nullmilter -r, -H)" "${sc%%:*}" "caught" \
        "$(case $sc in ok*) echo PASS ;; n/a) echo n/a ;; *) echo MISS ;; esac)"
    neg=${negotiation:-n/a}
    line "null milter negotiates as domsec does" "${neg%%:*}" "same" \
        "$(case $neg in same*) echo PASS ;; n/a) echo n/a ;; *) echo MISS ;; esac)"
    for tr in unix inet; do
        for c in $CONNS; do
            cell=$(ratio_cell "$tr" "$c")
            line "milter domsec/null, $tr, $c conn" "$cell" ">= 0.9" \
                "$(verdict "${cell%% *}" '>=' 0.9)"
        done
    done
    line "list lookup ${lookup_sizes:-10^6 / 10}" "${lookup_ratio:-n/a}" \
        "<= 1.5" "$(verdict "${lookup_ratio:-}" '<=' 1.5)"
    for n in $SELECT_SIZES; do
        eval "v=\${select_$n:-\${select_note:-n/a}} rg=\${select_${n}_range:-}"
        case $n in
        10000) tgt="< 2 s" vd=$(verdict "$v" '<' 2) ;;
        *) tgt="-" vd="-" ;;
        esac
        case $v in *[!0-9.]*) ;; *) v="$v s${rg:+ ($rg)}" ;; esac
        line "domsec-policy select, $n certs" "$v" "$tgt" "$vd"
    done
    v=${rss_ds:-n/a}
    case $v in *[!0-9.]*) ;; *) v="$v MiB" ;; esac
    line "milter RSS, $IDLE idle sessions" "$v" "< 64 MiB" \
        "$(verdict "${rss_ds:-}" '<' 64)"
    line "config load, $BIG domains" "$(secs "${cfg_s:-}")" "-" "-"
    line "config reload (SIGHUP), $BIG domains" "$(secs "${reload_s:-}")" \
        "-" "-"
    if [ -n "${e2e_ratio:-}" ]; then
        line "Postfix + smtp-source, domsec/none" "$e2e_ratio ($e2e_range)" \
            ">= 0.9" "$(verdict "$e2e_ratio" '>=' 0.9)"
        line "  (the same with the null milter)" "$e2e_null_ratio" "-" "-"
    else
        line "Postfix + smtp-source, domsec/none" "${e2e_note:-n/a}" ">= 0.9" \
            "n/a"
    fi
    tls_summary
}

secs() { # VALUE: "1.23 s", or the text as it is
    case ${1:-} in
    '') echo "n/a" ;;
    *[!0-9.]*) echo "$1" ;;
    *) echo "$1 s" ;;
    esac
}

details() {
    hdr=
    for c in $CONNS; do hdr="$hdr$(printf '%-20s' "$c conn")"; done
    echo "Milter protocol throughput (milterload pair mode, eom mix):"
    echo "sessions/s (p99 latency, ms), medians of $ROUNDS runs of" \
        "$SESSIONS sessions (at"
    echo "least $PAIR_MIN a connection)"
    echo "split between null and domsec ($ALL_ROUNDS runs null versus -a); a"
    echo "milter's rate is connections x its sessions / their summed latency."
    echo "domsec / null: median of the runs' ratios (lowest-highest)."
    echo "Negotiation (milterload's view of both): ${negotiation:-n/a}."
    printf '  %-32s %s\n' "" "$hdr"
    for tr in unix inet; do
        for k in null all ds ratio; do
            case $k in
            null) label="$tr: null (domsec negotiation)" ;;
            all) label="$tr: null, all steps (-a)" ;;
            ds) label="$tr: domsec-milter" ;;
            ratio) label="$tr: domsec / null" ;;
            esac
            row=
            for c in $CONNS; do
                if [ "$k" = ratio ]; then
                    v=$(ratio_cell "$tr" "$c")
                else
                    v=$(rate_cell "${k}_${tr}_$c")
                fi
                row="$row$(printf '%-20s' "$v")"
            done
            printf '  %-32s %s\n' "$label" "$row"
        done
    done
    echo
    echo "List lookup (ds_domain_normalise + ds_domainset_match), ns:"
    echo "${lookup_table:-n/a}" | sed 's/^/  /'
    echo "  ratio ${lookup_sizes:-?}: ${lookup_ratio:-n/a} (match alone:" \
        "${match_ratio:-n/a})"
    echo
    echo "Configuration with $BIG receive-list domains: ds_config_load" \
        "$(secs "${cfg_s:-}");"
    echo "a running domsec-milter reloads it on SIGHUP in" \
        "$(secs "${reload_s:-}") (to its log line), peak RSS" \
        "${reload_rss:-?} MiB."
    echo "Milter RSS with $IDLE idle sessions: null milter ${rss_null:-n/a}" \
        "MiB, domsec-milter ${rss_ds:-n/a} MiB."
    echo "domsec-policy select --json: median (lowest-highest) of" \
        "$SELECT_RUNS runs;"
    echo "one certificate in 100 names the connectors' host (mkcerts -e 100)"
    echo "and has a key of its own; the others share one key."
    if [ -n "${e2e_ratio:-}" ]; then
        echo "Postfix end to end (smtp-source -s $E2E_CONC, $E2E_MSGS messages" \
            "a run, one"
        echo "per session, $E2E_ROUNDS rounds; medians): no milter $e2e_none" \
            "msg/s, null milter"
        echo "$e2e_null msg/s, domsec-milter $e2e_domsec msg/s. Plain SMTP" \
            "from an unlisted"
        echo "sender: no TLS, no mark."
    fi
    tls_details
}

report() {
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
        head -1)
    echo "domsec benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(uname -srm), $(nproc 2>/dev/null || echo ?) CPUs" \
        "(${cpu:-unknown}); drivers, MTA and milters share them"
    echo "load average at start: $load_start; at end: $(cut -d' ' -f1-3 \
        /proc/loadavg 2>/dev/null)"
    echo
    summary
    echo
    details
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
started=$(date +%s)
part() { # NAME: is this part to run (BENCH_ONLY unset, or naming it)?
    case " ${BENCH_ONLY:-$1} " in *" $1 "*) return 0 ;; esac
    return 1
}
part selfcheck && say "driver self-check against broken milters" && selfcheck
part throughput && say "milter protocol throughput (about a minute and a half)" &&
    throughput
part rss && say "memory with $IDLE idle sessions" && rss
part lookup && say "list lookup" && lookup
part cfgload && say "configuration load and reload with $BIG domains" &&
    cfgload
part select && say "domsec-policy select" && slot_select
part e2e && say "Postfix + smtp-source: none, null milter, domsec-milter" &&
    slot_e2e
part tls && say "partner mail over mutual TLS: none, null milter, domsec, native" &&
    slot_tls
report | tee "$out/results.txt"
echo
echo "written to $out/results.txt (driver output: $raw; $(($(date +%s) - \
    started)) s)"
