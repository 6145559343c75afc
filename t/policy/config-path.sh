#!/bin/sh
# config-path.sh - where both programs look for domsec.conf: the same
# default, chosen by configure (--sysconfdir) and shown by --help; a
# relative -c given to domsec-milter works after it daemonises (it changes
# to / first), and a missing file is said to be missing.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

MILTER=$top_builddir/milter/domsec-milter

# ---- the default path -------------------------------------------------------
dsp --help
policy_default=$(sed -n 's/.*configuration (default \(.*\))$/\1/p' "$OUT")
milter_default=$("$MILTER" -h 2>&1 | sed -n 's/.*configuration (default \(.*\))$/\1/p')
case $policy_default in
/*/domsec/domsec.conf) _tap 0 "domsec-policy --help: the default is SYSCONFDIR/domsec/domsec.conf ($policy_default)" ;;
*) _tap 1 "domsec-policy --help: the default is SYSCONFDIR/domsec/domsec.conf"; echo "got: $policy_default" | _diag ;;
esac
is "$milter_default" "$policy_default" "domsec-milter -h: the same default"
if [ ! -e "$policy_default" ]; then
    dsp check-config
    rc_is 78 "without -c and no file there: exit 78"
    has "$ERR" "$policy_default: error: cannot read the configuration" \
        "without -c: domsec-policy reads the default path"
    "$MILTER" -n >"$T_DIR/m.out" 2>&1
    has "$T_DIR/m.out" "$policy_default: error: cannot read the configuration" \
        "without -c: domsec-milter reads the same path"
else
    _tap 0 "# SKIP $policy_default exists here"
    _tap 0 "# SKIP $policy_default exists here"
    _tap 0 "# SKIP $policy_default exists here"
fi

# ---- domsec-milter -c RELATIVE, daemonised ----------------------------------------
mkdir -p "$T_DIR/etc" "$T_DIR/run"
cat >"$T_DIR/etc/domsec.conf" <<CONF
transport {
  tls_receive_domain_secure_list = { "woodgrovebank.com" }
}
receive_connector "Inet" {
  domain_secure_enabled = true
}
milter {
  socket = "unix:$T_DIR/run/milter.sock"
}
CONF
(cd "$T_DIR" && "$MILTER" -c etc/domsec.conf -P "$T_DIR/run/pid") \
    >"$T_DIR/start.out" 2>&1
rc=$?
is "$rc" 0 "domsec-milter -c etc/domsec.conf (daemonised): starts"
hasnt "$T_DIR/start.out" "dropping privileges" "... no error after dropping privileges"
pid=$(cat "$T_DIR/run/pid" 2>/dev/null)
ok "... and runs, listening on its socket" test -n "$pid" -a -S "$T_DIR/run/milter.sock"
if [ -n "$pid" ]; then
    # a reload reads the file again by its absolute name, from /
    kill -HUP "$pid"
    sleep 0.5
    ok "... and survives a reload (SIGHUP)" kill -0 "$pid"
    kill -TERM "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    ok "... and stops on SIGTERM (socket removed)" test ! -e "$T_DIR/run/milter.sock"
else
    _tap 1 "... and survives a reload (SIGHUP)"
    _tap 1 "... and stops on SIGTERM (socket removed)"
fi

# ---- a missing file is named as missing ---------------------------------------------
(cd "$T_DIR" && "$MILTER" -c etc/nothere.conf) >"$T_DIR/missing.out" 2>&1
is "$?" 78 "domsec-milter -c etc/nothere.conf: exit 78"
has "$T_DIR/missing.out" "$T_DIR/etc/nothere.conf: error: cannot read the configuration: No such file or directory" \
    "... says the file (made absolute) is missing"
hasnt "$T_DIR/missing.out" "dropping privileges" "... not a misleading privileges error"

done_testing
