#!/bin/sh
# readme.sh - the Performance table of the README from a `make bench`
# report, so that new figures are one command away:
#
#   sh t/bench/readme.sh RESULTS FILE...     (make bench-readme)
#
# In each FILE, the lines between "<!-- bench-table begin -->" and
# "<!-- bench-table end -->" are replaced with a table made from the
# summary of RESULTS (bench/results.txt): a row a measure, its value, the
# "(lowest-highest)" of its rounds or runs when it has one, its target and
# verdict, then a line naming the run (date, machine, load average).
# Exit 1 when RESULTS has no summary or a FILE has no markers (FILE is then
# left as it was).
#
# Must not: touch anything in FILE outside the markers.
set -u
[ $# -ge 2 ] || {
    echo "usage: readme.sh RESULTS FILE..." >&2
    exit 64
}
results=$1
shift
tmp=$(mktemp "${TMPDIR:-/tmp}/bench-readme.XXXXXX") || exit 1
trap 'rm -f "$tmp" "$tmp.new"' EXIT

# The table: summary lines are "MEASURE  VALUE  TARGET  VERDICT", two or
# more spaces between the cells (run.sh's line()).
awk '
    NR == 1 { sub(/^domsec benchmarks, /, ""); when = $0 }
    /^machine: / { sub(/^machine: /, ""); sub(/; drivers.*/, ""); machine = $0 }
    /^load average at start: / { sub(/^load average at start: /, "")
                                 sub(/; at end: /, ", at end "); load = $0 }
    /^measure  / { on = 1
        print "| measure | result | range | target | verdict |"
        print "|---|---|---|---|---|"
        next }
    on && /^$/ { on = 0; done = 1 }
    on {
        line = $0
        sub(/^ +/, "", line)
        n = split(line, c, /  +/)
        if (n < 4) next
        value = c[2]; range = "-"
        if (match(value, / \([0-9.]+-[0-9.]+\)$/)) {
            range = substr(value, RSTART + 2, RLENGTH - 3)
            value = substr(value, 1, RSTART - 1)
        }
        gsub(/\|/, "\\|", c[1])
        printf "| %s | %s | %s | %s | %s |\n", c[1], value, range, c[3], c[4]
    }
    END {
        if (!done) exit 1
        printf "\nFrom `make bench` on %s; %s; load average %s.\n",
               when, machine, load
    }' "$results" >"$tmp" || {
    echo "readme.sh: no summary table in $results" >&2
    exit 1
}

st=0
for f in "$@"; do
    if ! grep -q '^<!-- bench-table begin -->$' "$f" ||
        ! grep -q '^<!-- bench-table end -->$' "$f"; then
        echo "readme.sh: $f: no <!-- bench-table begin/end --> markers" >&2
        st=1
        continue
    fi
    awk -v table="$tmp" '
        /^<!-- bench-table end -->$/ { skip = 0 }
        !skip { print }
        /^<!-- bench-table begin -->$/ {
            skip = 1
            while ((getline l < table) > 0) print l
        }' "$f" >"$tmp.new" && cat "$tmp.new" >"$f" || st=1
done
exit $st
