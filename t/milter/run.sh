#!/bin/sh
# run.sh - run one miltertest script (t-NAME.lua) against the real
# domsec-milter, started in the foreground on a private unix socket with
# the configuration t-NAME.conf, and print TAP.
#
# The script prints "ok - ..." / "not ok - ..." lines (t/milter/lib.lua);
# this runner adds its own checks (the script ran to its end, the milter
# stopped on SIGTERM with status 0 and removed its socket and pid file)
# and the plan. It stops what it started, by PID. With DS_MILTER_WRAPPER
# (e.g. "valgrind --error-exitcode=99 ...") the milter runs under it, and
# any error the tool reports fails the exit-status check.
script=$1
: "${top_builddir:=.}" "${top_srcdir:=.}"
MILTERTEST=${MILTERTEST:-$(command -v miltertest)}
if [ -z "$MILTERTEST" ] || [ ! -x "$MILTERTEST" ]; then
    echo "1..0 # SKIP miltertest not installed"
    exit 77
fi
name=$(basename "$script" .lua)
dir=$(cd "$(dirname "$script")" && pwd)
conf=$dir/$name.conf
milter=$top_builddir/milter/domsec-milter
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ds-milter.XXXXXX") || exit 1
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

sock=$tmp/milter.sock
# DS_MILTER_WRAPPER runs the milter under a tool (make check-valgrind).
# shellcheck disable=SC2086
${DS_MILTER_WRAPPER:-} "$milter" -f -c "$conf" -s "unix:$sock" -P "$tmp/pid" \
    2>"$tmp/log" &
pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
done
n=0
fail=0
say() { # ok|not-ok DESCRIPTION
    n=$((n + 1))
    if [ "$1" = ok ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}
if [ ! -S "$sock" ]; then
    say not-ok "milter started and listens on $sock"
    sed 's/^/# /' "$tmp/log"
    echo "1..$n"
    exit 1
fi

"$MILTERTEST" -D SOCKET="unix:$sock" -D LOG="$tmp/log" -D SRCDIR="$dir" \
    -D TMP="$tmp" -D MILTERPID="$pid" -s "$script" >"$tmp/out" 2>&1
rc=$?
while IFS= read -r line; do
    case $line in
    "ok - "*) say ok "${line#ok - }" ;;
    "not ok - "*) say not-ok "${line#not ok - }" ;;
    *) echo "# $line" ;;
    esac
done <"$tmp/out"
if [ $rc -eq 0 ] && grep -q '^# done$' "$tmp/out"; then
    say ok "$name.lua ran to its end"
else
    say not-ok "$name.lua ran to its end (miltertest exit $rc)"
fi

kill -TERM "$pid"
wait "$pid"
st=$?
pid=
[ $st -eq 0 ] && say ok "SIGTERM: milter exited with status 0" ||
    say not-ok "SIGTERM: milter exited with status 0 (got $st)"
[ ! -e "$sock" ] && say ok "SIGTERM: socket removed" ||
    say not-ok "SIGTERM: socket removed"
[ ! -e "$tmp/pid" ] && say ok "SIGTERM: pid file removed" ||
    say not-ok "SIGTERM: pid file removed"
if grep -q "internal error" "$tmp/log" && ! grep -q "^-- expect internal error" "$script"; then
    say not-ok "no internal error logged"
else
    say ok "no internal error logged"
fi
if [ $fail -ne 0 ]; then
    echo "# milter log:"
    sed 's/^/#   /' "$tmp/log"
fi
echo "1..$n"
