# tap.sh - TAP for the shell tests (automake's tap-driver reads it), and
# helpers to run domsec-policy and look at what it printed.
# Sourced by t/policy/*.sh after `set -u`.
#
#   T_DIR                 a private temporary directory, removed at exit
#   dsp ARGS...           run domsec-policy; sets RC, and OUT/ERR (files);
#                         a sanitizer report on stderr is a failed test
#   ok DESC CMD...        pass when CMD succeeds
#   is GOT WANT DESC      pass when the strings are equal
#   has FILE TEXT DESC    pass when FILE contains TEXT (fixed string)
#   hasnt FILE TEXT DESC  pass when it does not
#   jqis FILTER WANT DESC pass when `jq -r FILTER` on OUT prints WANT
#                         (several outputs joined by spaces)
#   rc_is WANT DESC       pass when the last dsp exited with WANT
#   done_testing          print the plan; exit status 0
# Needs: jq (the tests skip without it).
# Must not: touch anything outside T_DIR.

T_N=0
T_FAILED=0
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ds-test-XXXXXX") || exit 1
trap 'rm -rf "$T_DIR"' EXIT
OUT=$T_DIR/stdout
ERR=$T_DIR/stderr
RC=0

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
DSP=$top_builddir/policy/domsec-policy
. "$top_srcdir/t/lib/pki.sh"

if ! command -v jq >/dev/null 2>&1; then
    echo "1..0 # SKIP jq is not installed"
    exit 0
fi

_tap() { # STATUS DESC
    [ -n "$_JQ_FLUSHING" ] || _jq_flush
    T_N=$((T_N + 1))
    if [ "$1" = 0 ]; then
        echo "ok $T_N - $2"
    else
        echo "not ok $T_N - $2"
        T_FAILED=$((T_FAILED + 1))
    fi
}

_diag() { sed 's/^/#   /'; }

dsp() {
    _jq_flush
    RC=0
    "$DSP" "$@" >"$OUT" 2>"$ERR" || RC=$?
    # a sanitizer build reports and may carry on: make that a failure
    if grep -qE 'runtime error:|Sanitizer' "$ERR"; then
        _tap 1 "no sanitizer report from domsec-policy $*"
        head -20 "$ERR" | _diag
    fi
}

ok() {
    local desc=$1
    shift
    if "$@" >/dev/null 2>&1; then _tap 0 "$desc"; else _tap 1 "$desc"; fi
}

is() {
    if [ "$1" = "$2" ]; then
        _tap 0 "$3"
    else
        _tap 1 "$3"
        printf 'got:  %s\nwant: %s\n' "$1" "$2" | _diag
    fi
}

has() {
    if grep -qF -- "$2" "$1"; then
        _tap 0 "$3"
    else
        _tap 1 "$3"
        { echo "want: $2"; echo "in $(basename "$1"):"; head -40 "$1"; } | _diag
    fi
}

hasnt() {
    if grep -qF -- "$2" "$1"; then
        _tap 1 "$3"
        { echo "unwanted: $2"; grep -F -- "$2" "$1"; } | _diag
    else
        _tap 0 "$3"
    fi
}

# jq takes ~50 ms to start: the jqis checks on one output are queued and
# run as one jq program (each filter in its own try) before the next
# check of any kind, so the TAP lines keep their order.
_JQ_Q=$T_DIR/jq.queue
_JQ_FLUSHING=
_US=$(printf '\037')

jqis() {
    printf '%s%s%s%s%s\n' "$1" "$_US" "$2" "$_US" "$3" >>"$_JQ_Q"
}

_jq_flush() {
    [ -s "$_JQ_Q" ] || return 0
    local prog="" f w d got
    while IFS=$_US read -r f w d; do
        prog="$prog${prog:+, }(try ([$f] | map(if type == \"string\" then . else tojson end) | join(\" \") | gsub(\"\\n\"; \"\\\\n\")) catch \"jq error: \\(.)\")"
    done <"$_JQ_Q"
    jq -r "$prog" "$OUT" >"$T_DIR/jq.out" 2>&1 ||
        echo "jq failed on the output" >>"$T_DIR/jq.out"
    _JQ_FLUSHING=1
    exec 3<"$T_DIR/jq.out"
    while IFS=$_US read -r f w d; do
        IFS= read -r got <&3 || got="(no jq output: $(head -c 300 "$T_DIR/jq.out"))"
        is "$got" "$w" "$d"
    done <"$_JQ_Q"
    exec 3<&-
    _JQ_FLUSHING=
    : >"$_JQ_Q"
}

rc_is() {
    if [ "$RC" = "$1" ]; then
        _tap 0 "$2"
    else
        _tap 1 "$2"
        { echo "exit status $RC, want $1"; echo "stderr:"; head -20 "$ERR"; } |
            _diag
    fi
}

done_testing() {
    _jq_flush
    echo "1..$T_N"
    exit 0
}
