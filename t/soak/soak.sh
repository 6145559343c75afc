#!/bin/sh
# shellcheck disable=SC3045,SC2317 # dash and bash have ulimit -n; cleanup runs from trap
# soak.sh - domsec-milter under sustained load: CONNS concurrent milter
# connections, SESSIONS sessions in ROUNDS rounds through t/bench/milterload
# (--expect domsec: every answer checked), sampling the milter's RSS,
# descriptors and threads from /proc every few seconds and after every
# round. Run by `make soak`; never by make check (it takes minutes).
#
#   t/soak/soak.sh [-c CONNS] [-n SESSIONS] [-r ROUNDS]
#                  (default 500 connections, 200000 sessions, 5 rounds)
#
# Passes when: zero protocol errors and zero wrong answers in every round;
# RSS flat after warm-up (after the last round at most 5% + 1 MiB above
# after the first); descriptors after every round back to what they were
# before the load. Writes soak/samples.txt (time, RSS, descriptors,
# threads) and soak/results.txt in the build directory, prints the
# results, exits 0 or 1.
#
# Must not: leave the milter or the sampler running (trap EXIT, by PID).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
conns=500 sessions=200000 rounds=5
while getopts c:n:r: opt; do
    case $opt in
    c) conns=$OPTARG ;;
    n) sessions=$OPTARG ;;
    r) rounds=$OPTARG ;;
    *)
        echo "usage: soak.sh [-c CONNS] [-n SESSIONS] [-r ROUNDS]" >&2
        exit 64
        ;;
    esac
done
per=$((sessions / conns / rounds)) # sessions per connection per round
if [ "$per" -lt 1 ]; then
    echo "soak: -n must be at least CONNS x ROUNDS" >&2
    exit 64
fi
milter=$top_builddir/milter/domsec-milter
load=$top_builddir/t/bench/milterload
for p in "$milter" "$load"; do
    [ -x "$p" ] || {
        echo "soak: $p not built (make soak builds it)" >&2
        exit 1
    }
done
out=$top_builddir/soak
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ds-soak.XXXXXX") || exit 1
mpid='' spid=''
cleanup() {
    [ -n "$spid" ] && kill "$spid" 2>/dev/null
    if [ -n "$mpid" ] && kill -0 "$mpid" 2>/dev/null; then
        kill -TERM "$mpid"
        wait "$mpid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# The milter needs a descriptor per connection and some to spare.
need=$((conns + 64))
[ "$(ulimit -n)" -ge $need ] || ulimit -n $need 2>/dev/null || {
    echo "soak: ulimit -n is $(ulimit -n), need $need" >&2
    exit 1
}
# log_level error: a decision line per session would put the log, not the
# milter, under test.
sed "s|^ *socket = .*|    socket = \"unix:$tmp/milter.sock\"\\
    log_level = \"error\"|" "$top_srcdir/t/bench/bench.conf" >"$tmp/soak.conf"
"$milter" -f -c "$tmp/soak.conf" -P "$tmp/pid" 2>"$tmp/milter.log" &
mpid=$!
i=0
while [ ! -S "$tmp/milter.sock" ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
[ -S "$tmp/milter.sock" ] || {
    echo "soak: the milter did not start:" >&2
    cat "$tmp/milter.log" >&2
    exit 1
}

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$mpid/status"; }
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$mpid/status"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$mpid/status"; }
fds() { find "/proc/$mpid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
start=$(date +%s)
(
    echo "# seconds rss_kib fds threads"
    while kill -0 "$mpid" 2>/dev/null; do
        echo "$(($(date +%s) - start)) $(rss) $(fds) $(threads)"
        sleep 2
    done
) >"$out/samples.txt" 2>/dev/null &
spid=$!

fd0=$(fds) rss0=$(rss) thr0=$(threads)
{
    echo "soak: $conns connections, $sessions sessions in $rounds rounds" \
        "($per sessions per connection per round)"
    echo "before load: RSS $rss0 KiB, $fd0 descriptors, $thr0 threads"
    printf '%-6s %9s %7s %7s %8s %9s %8s %6s %8s\n' round sessions mism \
        errors rate/s rss_kib fds thr seconds
} | tee "$out/results.txt"
status=0 total=0 bad=0 rss1=
r=0
while [ $r -lt "$rounds" ]; do
    r=$((r + 1))
    t0=$(date +%s)
    "$load" -s "unix:$tmp/milter.sock" -c "$conns" -n "$per" --expect domsec \
        --timeout 30000 >"$tmp/round.out" 2>"$tmp/round.err"
    rc=$?
    t1=$(date +%s)
    sleep 1 # let the last sessions close
    res=$(grep '^result ' "$tmp/round.out")
    get() { echo "$res" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
    okn=$(get ok) mism=$(get mismatches) errs=$(get errors) rate=$(get rate)
    rssr=$(rss) fdr=$(fds) thr=$(threads)
    [ -n "$rss1" ] || rss1=$rssr
    printf '%-6s %9s %7s %7s %8s %9s %8s %6s %8s\n' "$r" "${okn:-?}" \
        "${mism:-?}" "${errs:-?}" "${rate:-?}" "$rssr" "$fdr" "$thr" \
        $((t1 - t0)) | tee -a "$out/results.txt"
    total=$((total + ${okn:-0}))
    if [ $rc -ne 0 ] || [ "${mism:-1}" != 0 ] || [ "${errs:-1}" != 0 ]; then
        bad=$((bad + 1))
        head -5 "$tmp/round.err" | sed 's/^/    /' | tee -a "$out/results.txt"
    fi
    if [ "$fdr" -ne "$fd0" ]; then
        echo "    descriptors: $fdr after the round, $fd0 before the load" |
            tee -a "$out/results.txt"
        status=1
    fi
done
rssN=$(rss)
limit=$((rss1 + rss1 / 20 + 1024))
{
    echo "after load: RSS $rssN KiB (peak $(hwm) KiB), $(fds) descriptors," \
        "$(threads) threads; $total sessions answered right"
    echo "RSS after warm-up (round 1) $rss1 KiB, after round $rounds $rssN KiB" \
        "(limit $limit KiB)"
} | tee -a "$out/results.txt"
[ $bad -eq 0 ] || {
    echo "FAIL: $bad round(s) with errors or wrong answers" | tee -a "$out/results.txt"
    status=1
}
[ "$total" -eq $((per * conns * rounds)) ] || status=1
[ "$rssN" -le $limit ] || {
    echo "FAIL: RSS grew after warm-up" | tee -a "$out/results.txt"
    status=1
}
grep -E 'error|internal' "$tmp/milter.log" | head -5 | sed 's/^/milter: /'
kill "$spid" 2>/dev/null
spid=
kill -TERM "$mpid"
wait "$mpid"
st=$?
mpid=
[ $st -eq 0 ] || {
    echo "FAIL: the milter exited with $st on SIGTERM" | tee -a "$out/results.txt"
    status=1
}
if [ $status -eq 0 ]; then
    echo "soak: PASS" | tee -a "$out/results.txt"
else
    echo "soak: FAIL" | tee -a "$out/results.txt"
fi
exit $status
