# tls.sh - the benchmark of partner mail over mutual TLS: domsec-milter
# against no milter and against the restriction classes a Postfix
# administrator would write instead. Sourced by run.sh (it uses run.sh's
# median, lowest, highest, fmt, verdict, field, line, say, start_milter,
# stop_milter, $raw and $tmp).
#
# One private Postfix on 127.0.0.1 (t/lib/postfix.sh) delivering to the
# discard transport, with four smtpd listeners that differ only in their
# restrictions and milters; every listener offers STARTTLS with the same
# server certificate, asks for a client certificate and trusts the
# partner's CA:
#   none    no milter, no restrictions
#   domsec  smtpd_milters = domsec-milter (t/bench/bench.conf: Woodgrove
#           Bank on the receive list, enforce, reject; the mark is added)
#   native  smtpd_sender_restrictions = check_sender_access mapping
#           woodgrovebank.com to a restriction class that does
#           check_ccert_access on the partner certificate's pinned SHA-256
#           fingerprint, then reject (smtpd_tls_ask_ccert = yes,
#           smtpd_tls_fingerprint_digest = sha256)
#   null    smtpd_milters = t/bench/nullmilter, negotiated as domsec-milter
#           is but deciding nothing: what any milter costs (good mail only)
# t/bench/tlsload plays Woodgrove's MTA: one message per session, EHLO,
# STARTTLS, EHLO, MAIL, RCPT, DATA, QUIT, every reply checked.
#   good     the partner certificate, full handshakes: accepted everywhere
#   forged   no client certificate: refused by domsec (550 at MAIL) and by
#            native (554 at RCPT, Postfix's smtpd_delay_reject); accepted
#            by none, which has no policy
#   resumed  good, each connection offering the last TLS session it got
# Each round runs every kind at every concurrency against the listeners in
# turn (the order rotating), so a slow spell of the shared machine hits
# all alike; a run's rate is its messages over the time from its first
# connection until the queue is empty again.
# A run counts only when its verdicts are right: tlsload saw every reply it
# expected; every good message was discarded (maillog), and on the domsec
# listener domsec-milter logged a pass with action=mark for each one and a
# sample message delivered to a mailbox carries the mark; every forged one
# was refused (tlsload, and the milter's or Postfix's reject log lines) and
# none was delivered. Any other outcome fails the whole part.
# CPU per message: the private Postfix (master, its live children, and
# the children it reaped, from /proc) and the milters, sampled around each
# run: the shared machine's other work does not enter these. When perf
# works (cpu-clock, a software event), one more run of each milter is
# profiled and its CPU split by library.
#
# Must not: listen beyond loopback, or leave processes behind.
#
# shellcheck shell=sh disable=SC2154,SC2034,SC2046,SC2086,SC2094,SC2017
# (run.sh's variables; cells set and read through eval; word lists; raw.log
# is only appended to; whole connections' halves on purpose)

TLS_MSGS=${BENCH_TLS_MSGS:-480} # messages a run (split over connections)
TLS_ROUNDS=${BENCH_TLS_ROUNDS:-6}
TLS_CONNS=${BENCH_TLS_CONNS:-"1 16"}
TLS_REFUSE_CONNS=16 TLS_RESUME_CONNS=16
TLS_MODES="none null domsec native"
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    TLS_MSGS=${BENCH_TLS_MSGS:-64} TLS_ROUNDS=${BENCH_TLS_ROUNDS:-1}
fi
TLS_MARK="X-Domain-Secure: pass domain=woodgrovebank.com"

# tls_fail TEXT...: the part failed; the summary says why.
tls_fail() {
    tls_note="FAILED: $* (bench/raw.log)"
    say "mutual TLS: $*"
    return 1
}

slot_tls() {
    if [ "$(id -u)" != 0 ]; then
        tls_note="n/a (needs root for a private Postfix)"
        return 0
    fi
    for t in postfix postconf postmap openssl ps; do
        command -v "$t" >/dev/null 2>&1 || {
            tls_note="n/a ($t not installed)"
            return 0
        }
    done
    if ! id postfix >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1 ||
        [ ! -x "$milter" ]; then
        tls_note="n/a (no user postfix or nobody, or no domsec-milter)"
        return 0
    fi
    # shellcheck disable=SC1091
    . "$top_srcdir/t/lib/postfix.sh"
    # shellcheck disable=SC1091
    . "$top_srcdir/t/lib/pki.sh"
    PF_MILTER=$milter
    td=$tmp/tls
    mkdir -p "$td"
    chmod 755 "$td"
    if tls_pki && tls_postfix; then
        tls_selfcheck
        tls_rounds && tls_profile
    fi
    stop_milter ${tls_null_pid:-}
    pf_stop "$TLS_PF"
    pf_milter_stop "$TLS_PF"
    TLS_PF=
}

# The partner's CA and certificate (EC P-256, as the server's: the cheapest
# handshake, so the policy's share of the cost is the largest), Contoso's
# server certificate, and the pinned fingerprint.
tls_pki() {
    pki_init "$td/pki" >/dev/null
    if ! { pki_ca wg-ca "/O=Woodgrove Bank/CN=Woodgrove Bank Issuing CA" &&
        pki_cert wg "/O=Woodgrove Bank/CN=mail.woodgrovebank.com" wg-ca \
            san=DNS:mail.woodgrovebank.com &&
        pki_ca c-ca "/O=Contoso/CN=Contoso Issuing CA" &&
        pki_cert contoso "/O=Contoso/CN=mail.contoso.com" c-ca \
            san=DNS:mail.contoso.com; } >>"$raw" 2>&1; then
        tls_fail "could not make the certificates"
        return 1
    fi
    P=$PKI_DIR
    chmod 644 "$P"/*.pem
    tls_fp=$(openssl x509 -noout -fingerprint -sha256 -in "$P/wg.pem" |
        sed 's/^[^=]*=//')
}

# tls_main_cf: what the listeners share, and the native policy's maps.
tls_main_cf() {
    maxc=1
    for c in $TLS_CONNS $TLS_REFUSE_CONNS $TLS_RESUME_CONNS; do
        [ "$c" -le "$maxc" ] || maxc=$c
    done
    printf 'woodgrovebank.com woodgrovebank_pinned\n' >"$td/partners"
    printf '%s OK\n' "$tls_fp" >"$td/woodgrovebank_certs"
    printf 'sample@contoso.test virtual:\n' >"$td/transport"
    postconf -c "$TLS_PF/etc" -e "default_process_limit=$((3 * maxc))"
    cat >>"$TLS_PF/etc/main.cf" <<CF
virtual_transport = discard
transport_maps = hash:$td/transport
smtpd_tls_security_level = may
smtpd_tls_chain_files = $P/contoso.key, $P/contoso.chain.pem
smtpd_tls_ask_ccert = yes
smtpd_tls_CAfile = $P/wg-ca.pem
smtpd_tls_fingerprint_digest = sha256
smtpd_tls_loglevel = 1
milter_macro_daemon_name = Inet
milter_default_action = tempfail
milter_protocol = 6
# the native alternative to domsec, used by one listener only
smtpd_restriction_classes = woodgrovebank_pinned
woodgrovebank_pinned = check_ccert_access hash:$td/woodgrovebank_certs, reject
native_sender_restrictions = check_sender_access hash:$td/partners
CF
}

# tls_master_cf: one listener a mode, on a free port each.
tls_master_cf() {
    for m in $TLS_MODES; do
        port=$(pf_free_port)
        while echo " ${tls_ports:-} " | grep -q " $port "; do
            port=$(pf_free_port)
        done
        tls_ports="${tls_ports:-} $port"
        eval "tls_port_$m=\$port"
        printf '127.0.0.1:%s inet n - n - - smtpd\n' "$port"
        case $m in
        domsec) echo "  -o smtpd_milters=unix:$TLS_PF/milter/milter.sock" ;;
        null) echo "  -o smtpd_milters=unix:$TLS_PF/milter/null.sock" ;;
        native)
            echo "  -o smtpd_sender_restrictions=\$native_sender_restrictions"
            ;;
        esac
    done >>"$TLS_PF/etc/master.cf"
}

# The private Postfix, domsec-milter and the null milter.
tls_postfix() {
    TLS_PF=$td/pf
    pf_base "$TLS_PF" contoso contoso.test >>"$raw" 2>&1 || {
        tls_fail "private Postfix not set up"
        return 1
    }
    tls_main_cf
    tls_master_cf
    sed -e "s|^\( *socket *=\).*|\1 \"unix:$TLS_PF/milter/milter.sock\"|" \
        -e 's|^\( *user *=\).*|\1 "nobody"\n    socket_mode = "0666"|' \
        "$conf" >"$td/domsec.conf"
    chmod 644 "$td/domsec.conf"
    for map in partners woodgrovebank_certs transport; do
        postmap -c "$TLS_PF/etc" "hash:$td/$map" >>"$raw" 2>&1 || {
            tls_fail "postmap $map"
            return 1
        }
    done
    if ! postfix -c "$TLS_PF/etc" check >>"$raw" 2>&1 ||
        ! pf_milter_start "$TLS_PF" "$td/domsec.conf" ||
        ! start_milter "unix:$TLS_PF/milter/null.sock" "$bench/nullmilter" \
            -f -s @SPEC@ || ! chmod 666 "$TLS_PF/milter/null.sock" ||
        ! pf_start "$TLS_PF"; then
        cat "$TLS_PF"/log/* "$TLS_PF/etc/master.cf" >>"$raw" 2>/dev/null
        tls_fail "Postfix or a milter did not start"
        return 1
    fi
    tls_null_pid=$MPID
    tls_milter_pid=$(cat "$TLS_PF/milter/pid")
    clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
}

# ---- one run ---------------------------------------------------------------

# tls_count FILE PATTERN...: lines of FILE containing every PATTERN
tls_count() {
    f=$1
    shift
    awk -v n=$# 'BEGIN { for (i = 1; i < ARGC - 1; i++) p[i] = ARGV[i + 1]
                         ARGC = 2 }
        { for (i = 1; i <= n; i++) if (index($0, p[i]) == 0) next; c++ }
        END { print c + 0 }' "$f" "$@" 2>/dev/null
}

tls_mark() {
    ml0=$(stat -c %s "$TLS_PF/log/maillog" 2>/dev/null || echo 0)
    mil0=$(stat -c %s "$TLS_PF/log/milter.log" 2>/dev/null || echo 0)
}

# tls_counts: what the logs gained since tls_mark, for the verdicts:
# messages discarded, marks and refusals logged by domsec-milter, refusals
# logged by Postfix.
tls_counts() {
    tail -c +$((ml0 + 1)) "$TLS_PF/log/maillog" >"$td/maillog.new"
    tail -c +$((mil0 + 1)) "$TLS_PF/log/milter.log" >"$td/milter.new"
    echo "$(tls_count "$td/maillog.new" status=sent)" \
        "$(tls_count "$td/milter.new" result=pass action=mark)" \
        "$(tls_count "$td/milter.new" result=fail action=reject)" \
        "$(tls_count "$td/maillog.new" 'NOQUEUE: reject: RCPT' \
            'Sender address rejected')"
}

# ticks PID...: CPU ticks (user + system, all threads) of the processes
ticks() {
    for pid in "$@"; do
        cat "/proc/$pid/stat" 2>/dev/null
    done | awk '{ sub(/^.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}

# tls_cpu: CPU ticks of the private Postfix (the master, its live children
# and those it reaped), of domsec-milter and of the null milter.
tls_cpu() {
    master=$(tr -d ' ' <"$TLS_PF/queue/pid/master.pid")
    reaped=$(awk '{ sub(/^.*\) /, ""); print $14 + $15 }' \
        "/proc/$master/stat" 2>/dev/null)
    echo "$(($(ticks "$master" $(ps -o pid= --ppid "$master")) + \
        ${reaped:-0})) $(ticks "$tls_milter_pid") $(ticks "$tls_null_pid")"
}

# tls_drain: wait until the queue is empty (the end of the run), then until
# the log counts reach what the run must give ($want_*), at most 5 s.
tls_drain() {
    i=0
    while ! pf_queue_empty "$TLS_PF" && [ "$i" -lt 3000 ]; do
        sleep 0.02
        i=$((i + 1))
    done
    tls_t1=$(date +%s.%N)
    i=0
    while [ "$i" -lt 50 ]; do
        set -- $(tls_counts)
        [ "$1" -lt "$want_sent" ] || [ "$2" -lt "$want_mark" ] ||
            [ "$3" -lt "$want_mrej" ] || [ "$4" -lt "$want_prej" ] || break
        sleep 0.1
        i=$((i + 1))
    done
}

# tls_expect KIND MODE: sets args (tlsload's) and want_* (the log counts).
tls_expect() {
    args="--cert $P/wg.pem --key $P/wg.key --expect accept"
    want_sent=$total want_mark=0 want_mrej=0 want_prej=0
    case $1/$2 in
    resumed/*) args="$args --resume" ;;
    forged/none) args="--expect accept" ;;
    forged/*) args="--expect refuse" want_sent=0 ;;
    esac
    case $1/$2 in
    forged/domsec) want_mrej=$total ;;
    forged/native) want_prej=$total ;;
    good/domsec | resumed/domsec) want_mark=$total ;;
    esac
}

# per_msg TICKS_BEFORE TICKS_AFTER: ms of CPU a message
per_msg() {
    awk "BEGIN { printf \"%.3f\n\", ($2 - $1) * 1000 / $clk_tck / $total }"
}

# tls_run KIND MODE CONNS: tlsload once, verdicts checked; appends to
# $td/KIND_MODE_CONNS.{rate,pf,milter,client,lat}. Returns 1 (tls_note
# set) on a wrong verdict.
tls_run() {
    kind=$1 mode=$2 c=$3
    eval "port=\$tls_port_$mode"
    n=$((TLS_MSGS / c))
    [ "$n" -ge 1 ] || n=1
    total=$((n * c))
    key=${kind}_${mode}_$c
    tls_expect "$kind" "$mode"
    tls_mark
    cpu0=$(tls_cpu)
    t0=$(date +%s.%N)
    LINE=$("$bench/tlsload" -a "127.0.0.1:$port" -c "$c" -n "$n" $args \
        --latencies "$td/$key.lat" 2>>"$raw" | tee -a "$raw" |
        grep '^result ')
    tls_drain
    set -- $cpu0 $(tls_cpu)
    per_msg "$1" "$4" >>"$td/$key.pf"
    case $mode in
    domsec) per_msg "$2" "$5" >>"$td/$key.milter" ;;
    null) per_msg "$3" "$6" >>"$td/$key.milter" ;;
    esac
    set -- $(tls_counts)
    sent=$1 mark=$2 mrej=$3 prej=$4
    secs=$(awk "BEGIN { print $tls_t1 - $t0 }")
    echo "tls $kind $mode $c: $total sessions in $secs s; discarded $sent," \
        "marked $mark, milter rejects $mrej, Postfix rejects $prej" >>"$raw"
    tls_verdict "$kind" "$mode" "$c" || return 1
    rate=$(awk "BEGIN { print $total / $secs }")
    echo "$rate" >>"$td/$key.rate"
    eval "tls_rate_$mode=\$rate"
    awk "BEGIN { printf \"%.3f\n\", $(field cpu_s) * 1000 / $total }" \
        >>"$td/$key.client"
}

# tls_verdict KIND MODE CONNS: are this run's outcomes the ones the
# configuration must give? (uses tls_run's variables)
tls_verdict() {
    what="$1 mail, $2, $3 conn"
    [ "$(field status)" = ok ] ||
        tls_fail "$what: tlsload: $(field mismatches) mismatches," \
            "$(field errors) errors" || return 1
    [ "$sent" = "$want_sent" ] && [ "$mark" = "$want_mark" ] &&
        [ "$mrej" = "$want_mrej" ] && [ "$prej" = "$want_prej" ] ||
        tls_fail "$what: $sent discarded, $mark marked, $mrej + $prej" \
            "rejected (want $want_sent, $want_mark, $want_mrej + $want_prej)" ||
        return 1
    case $1/$2 in
    forged/domsec) [ "$(field refused_mail)" = "$total" ] ||
        tls_fail "$what: $(field refused_mail) refused at MAIL" ;;
    forged/native) [ "$(field refused_rcpt)" = "$total" ] ||
        tls_fail "$what: $(field refused_rcpt) refused at RCPT" ;;
    resumed/*)
        # OpenSSL's TLS 1.3 tickets against Postfix: every other session
        field resumed >>"$td/$key.resumed"
        [ "$(field resumed)" -ge $((total / $3 / 2 * $3)) ] ||
            tls_fail "$what: $(field resumed) of $total sessions resumed" ;;
    esac || return 1
    [ "$2" != domsec ] || [ "$1" = forged ] || tls_sample
}

# tls_sample: one good message to a mailbox through the domsec listener;
# it must carry the mark.
tls_sample() {
    before=$(pf_delivered "$TLS_PF")
    "$bench/tlsload" -a "127.0.0.1:$tls_port_domsec" -c 1 -n 1 \
        --cert "$P/wg.pem" --key "$P/wg.key" --to sample@contoso.test \
        >>"$raw" 2>&1 && pf_wait_delivered "$TLS_PF" $((before + 1)) ||
        tls_fail "the sample message was not delivered" || return 1
    marked=$(grep -l -F -- "$TLS_MARK" "$TLS_PF"/mail/inbox/new/* | wc -l)
    [ "$marked" = $((before + 1)) ] ||
        tls_fail "$((before + 1 - marked)) sample message(s) without" \
            "\"$TLS_MARK\""
}

# tls_selfcheck: tlsload must catch wrong outcomes: forged mail expected
# to be accepted on the domsec listener, good mail expected to be refused on
# none, each session a mismatch.
tls_selfcheck() {
    tls_check="ok: every session of both counted as a mismatch"
    for t in "domsec --expect accept" \
        "none --expect refuse --cert $P/wg.pem --key $P/wg.key"; do
        eval "port=\$tls_port_${t%% *}"
        LINE=$("$bench/tlsload" -a "127.0.0.1:$port" -c 4 -n 2 ${t#* } \
            2>>"$raw" | tee -a "$raw" | grep '^result ')
        [ "$(field status)" = FAILED ] && [ "$(field mismatches)" = 8 ] ||
            tls_check="FAILED: tlsload did not catch ${t%% *} ${t#* }"
    done
}

# ---- rounds ----------------------------------------------------------------

# rotate N WORD...: the words, the first N moved to the end
rotate() {
    k=$(($1 % ($# - 1)))
    shift
    while [ "$k" -gt 0 ]; do
        w=$1
        shift
        set -- "$@" "$w"
        k=$((k - 1))
    done
    echo "$@"
}

# tls_runs: KIND:CONNS of every run of a round
tls_runs() {
    for c in $TLS_CONNS; do echo "good:$c"; done
    echo "resumed:$TLS_RESUME_CONNS forged:$TLS_REFUSE_CONNS"
}

tls_rounds() {
    r=0
    while [ "$r" -lt "$TLS_ROUNDS" ]; do
        for run in $(tls_runs); do
            kind=${run%:*} c=${run#*:}
            modes=$TLS_MODES
            [ "$kind" = good ] || modes="none domsec native"
            for m in $(rotate "$r" $modes); do
                tls_run "$kind" "$m" "$c" || return 1
            done
            for b in $modes; do
                [ "$b" = domsec ] ||
                    eval "awk \"BEGIN { print \$tls_rate_domsec / \$tls_rate_$b }\"" \
                        >>"$td/${kind}_$c.domsec_$b"
            done
            [ "$kind" != good ] ||
                awk "BEGIN { print $tls_rate_null / $tls_rate_none }" \
                    >>"$td/${kind}_$c.null_none"
        done
        r=$((r + 1))
        say "mutual TLS round $r of $TLS_ROUNDS: domsec/none" \
            "$(tls_ratio_cell good "${TLS_CONNS##* }" domsec none) at" \
            "${TLS_CONNS##* }"
    done
    tls_done=1
}

# ---- profile ---------------------------------------------------------------

# tls_profile: when perf can sample cpu-clock here, one more good run on
# the domsec and the null listeners with perf recording both milters; their
# CPU split by library goes to tls_prof_domsec / tls_prof_null.
tls_profile() {
    if ! command -v perf >/dev/null 2>&1 ||
        ! perf stat -e cpu-clock true >/dev/null 2>&1; then
        tls_prof_note="perf not available"
        return 0
    fi
    c=${TLS_CONNS##* }
    perf record -q -e cpu-clock -F 4999 -o "$td/perf.data" \
        -p "$tls_milter_pid,$tls_null_pid" >>"$raw" 2>&1 &
    perf_pid=$!
    sleep 1
    for m in domsec null; do
        eval "port=\$tls_port_$m"
        "$bench/tlsload" -a "127.0.0.1:$port" -c "$c" \
            -n $((TLS_MSGS / c)) --cert "$P/wg.pem" --key "$P/wg.key" \
            >>"$raw" 2>&1
    done
    kill -INT "$perf_pid" 2>/dev/null
    wait "$perf_pid" 2>/dev/null
    perf report -i "$td/perf.data" --stdio --sort comm,dso -g none \
        2>/dev/null >"$td/perf.txt"
    for m in domsec null; do
        comm=domsec-milter
        [ "$m" = domsec ] || comm=nullmilter
        eval "tls_prof_$m=\$(tls_split \"\$comm\")"
    done
}

# tls_split COMM: "kernel 85%, libc 9%, libmilter 4%, own code 1%" of COMM
tls_split() {
    awk -v comm="$1" '$2 == comm {
            sub(/%/, "", $1)
            d = $3
            if (d ~ /kernel/) k = "kernel"
            else if (d ~ /^libc[.-]/) k = "libc"
            else if (d ~ /libmilter/) k = "libmilter"
            else if (d == comm) k = "own code"
            else k = "other"
            p[k] += $1; all += $1 }
        END { if (all == 0) exit
              n = split("kernel libc libmilter own_code other", o, " ")
              for (i = 1; i <= n; i++) { k = o[i]; sub(/_/, " ", k)
                  printf "%s%s %.0f%%", (i > 1 ? ", " : ""), k,
                         100 * p[k] / all } }' "$td/perf.txt"
}

# ---- figures ---------------------------------------------------------------

# tls_ratio_cell KIND CONNS A B: "0.97 (0.93-1.01)" of A/B
tls_ratio_cell() {
    f=$td/$1_$2.$3_$4
    [ -s "$f" ] || {
        echo "${tls_note:-n/a}"
        return 0
    }
    echo "$(fmt %.2f "$(median "$f")") ($(fmt %.2f "$(lowest "$f")")-$(fmt \
        %.2f "$(highest "$f")"))"
}

# tls_cpu_ratio CONNS: Postfix's CPU a good message with no milter over
# Postfix's and domsec-milter's with it (medians): what the throughput
# ratio would be on a server that spends its CPU on nothing else (the
# client shares the CPUs here).
tls_cpu_ratio() {
    none=$(median "$td/good_none_$1.pf")
    pf=$(median "$td/good_domsec_$1.pf")
    mi=$(median "$td/good_domsec_$1.milter")
    awk "BEGIN { printf \"%.2f (%.2f / %.2f ms)\", $none / ($pf + $mi), \
        $none, $pf + $mi }" 2>/dev/null
}

# tls_pct FILE Q: the Q-quantile of the microseconds in FILE, in ms
tls_pct() {
    sort -g "$1" 2>/dev/null | awk -v q="$2" '{ v[NR] = $1 } END {
        if (NR) printf "%.3f", v[int(q * (NR - 1) + 0.5) + 1] / 1000 }'
}

# tls_latency: p50 and p99 of MAIL FROM at the first concurrency, all
# rounds pooled, and what domsec adds to none's.
tls_latency() {
    c=${TLS_CONNS%% *}
    for m in $TLS_MODES; do
        eval "lat_p50_$m=\$(tls_pct \"\$td/good_\${m}_\$c.lat\" 0.50)"
        eval "lat_p99_$m=\$(tls_pct \"\$td/good_\${m}_\$c.lat\" 0.99)"
    done
    lat_n=$(wc -l <"$td/good_domsec_$c.lat" 2>/dev/null)
    lat_add_p50=$(awk "BEGIN { printf \"%.3f\", $lat_p50_domsec - $lat_p50_none }")
    lat_add_p99=$(awk "BEGIN { printf \"%.3f\", $lat_p99_domsec - $lat_p99_none }")
}

tls_summary() {
    sc=${tls_check:-n/a}
    line "TLS driver self-check (wrong verdicts)" "${sc%%:*}" "caught" \
        "$(case $sc in ok*) echo PASS ;; n/a) echo n/a ;; *) echo MISS ;; esac)"
    if [ -z "${tls_done:-}" ]; then
        line "mutual TLS, domsec/none, domsec/native" "${tls_note:-n/a}" \
            ">= 0.95" "n/a"
        return 0
    fi
    for c in $TLS_CONNS; do
        for b in none native; do
            cell=$(tls_ratio_cell good "$c" domsec "$b")
            line "mutual TLS msg/s, domsec/$b, $c conn" "$cell" ">= 0.95" \
                "$(verdict "${cell%% *}" '>=' 0.95)"
        done
        line "  mutual TLS msg/s, null milter/none, $c conn" \
            "$(tls_ratio_cell good "$c" null none)" "-" "-"
    done
    for c in $TLS_CONNS; do
        cell=$(tls_cpu_ratio "$c")
        line "  server CPU a message, none/domsec, $c conn" "$cell" "-" "-"
    done
    c=$TLS_RESUME_CONNS
    for b in none native; do
        line "  TLS resumed msg/s, domsec/$b, $c conn" \
            "$(tls_ratio_cell resumed "$c" domsec "$b")" "-" "-"
    done
    c=$TLS_REFUSE_CONNS
    ref=$(median "$td/forged_domsec_$c.rate")
    acc=$(median "$td/good_domsec_$c.rate")
    cell=$(awk "BEGIN { printf \"%.2f\", $ref / $acc }" 2>/dev/null)
    line "refusals/s / good msg/s, domsec, $c conn" \
        "$cell ($(fmt %.0f "$ref") / $(fmt %.0f "$acc"))" ">= 1" \
        "$(verdict "$cell" '>=' 1)"
    line "  refusals/s, domsec/native, $c conn" \
        "$(tls_ratio_cell forged "$c" domsec native)" "-" "-"
    tls_latency
    line "MAIL FROM p99 added by domsec, ${TLS_CONNS%% *} conn" \
        "$lat_add_p99 ms (p50 $lat_add_p50)" "< 1 ms" \
        "$(verdict "$lat_add_p99" '<' 1)"
}

# tls_row LABEL KEY_PREFIX KEY_SUFFIX EXT FORMAT MODES: one line of a table
tls_row() {
    row=
    for m in $6; do
        f=$td/$2${m}$3.$4
        if [ "$4" = rate ]; then
            v="$(fmt "$5" "$(median "$f")") ($(fmt "$5" "$(lowest "$f")")-$(fmt \
                "$5" "$(highest "$f")"))"
        else
            v=$(fmt "$5" "$(median "$f")")
            [ ! -s "$td/$2${m}$3.milter" ] ||
                v="$v + $(fmt "$5" "$(median "$td/$2${m}$3.milter")")"
        fi
        [ -s "$f" ] || v=-
        row="$row$(printf '%-17s' "$v")"
    done
    printf '  %-23s %s\n' "$1" "$row"
}

tls_details() {
    [ -n "${tls_done:-}" ] || return 0
    echo
    echo "Partner mail over mutual TLS (t/bench/tlsload, one message a" \
        "session; one private"
    echo "Postfix, a listener a configuration; $TLS_MSGS messages a run," \
        "$TLS_ROUNDS rounds;"
    echo "medians (lowest-highest)):"
    printf '  %-23s %-17s%-17s%-17s%-17s\n' "" $TLS_MODES
    for run in $(tls_runs); do
        kind=${run%:*} c=${run#*:}
        case $kind in
        good) label="msg/s, $c conn" ;;
        resumed) label="msg/s resumed, $c conn" ;;
        forged) label="refused/s, $c conn" ;;
        esac
        tls_row "$label" "${kind}_" "_$c" rate %.0f "$TLS_MODES"
    done
    echo "  (forged: no client certificate; none has no policy and accepts" \
        "them)"
    echo "CPU a message, ms (medians; Postfix: master and all its" \
        "children, + the milter):"
    for run in $(tls_runs); do
        kind=${run%:*} c=${run#*:}
        tls_row "$kind, $c conn" "${kind}_" "_$c" pf %.2f "$TLS_MODES"
    done
    c=${TLS_CONNS##* }
    echo "  (tlsload itself: $(fmt %.2f "$(median "$td/good_none_$c.client")")" \
        "ms a session; resumed: $(fmt %.0f "$(median \
            "$td/resumed_none_$c.resumed")") of $TLS_MSGS sessions)"
    c=${TLS_CONNS%% *}
    echo "MAIL FROM reply time, client side, $c conn, all rounds pooled" \
        "($lat_n sessions each):"
    for m in $TLS_MODES; do
        eval "printf '  %-23s p50 %s ms, p99 %s ms\n' \"$m\" \
            \"\$lat_p50_$m\" \"\$lat_p99_$m\""
    done
    echo "  (native decides at RCPT: Postfix's smtpd_delay_reject = yes)"
    echo "Milter CPU by library (perf, cpu-clock, one run each at" \
        "${TLS_CONNS##* } conn):"
    if [ -n "${tls_prof_domsec:-}" ]; then
        echo "  domsec-milter: $tls_prof_domsec"
        echo "  null milter:   ${tls_prof_null:-n/a}"
    else
        echo "  ${tls_prof_note:-n/a}"
    fi
}
