#!/bin/sh
# render.sh - `domsec-policy render postfix|sendmail`: the files against
# reviewed golden copies (t/policy/golden/, paths and thumbprints made
# stable), the lines that carry the policy one by one, atomic writes that
# leave unchanged files alone, --postmap, refusals that write nothing
# (event 12014), configuration and usage errors, and that Postfix accepts
# a main.cf/master.cf assembled from the fragments of every configuration
# rendered here (postfix check and postconf, not a warning).
# DS_REGEN=1 rewrites the golden files from this run (review the diff).
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

GOLDEN=$top_srcdir/t/policy/golden
pki_init "$T_DIR/pki"
P=$PKI_DIR
D="start=20260101000000Z end=20280101000000Z"
pki_ca contoso-ca "/O=Contoso/CN=Contoso Issuing CA" self \
    start=20200101000000Z end=20400101000000Z
pki_ca wg-ca "/O=Woodgrove Bank/CN=Woodgrove Bank Issuing CA" self \
    start=20200101000000Z end=20400101000000Z
pki_cert mail "/O=Contoso/CN=mail.contoso.com" contoso-ca \
    san=DNS:mail.contoso.com $D
pki_cert old "/O=Contoso/CN=mail.contoso.com" contoso-ca \
    san=DNS:mail.contoso.com start=20250101000000Z end=20270101000000Z
pki_cert mail1 "/O=Contoso/CN=mail1.contoso.com" contoso-ca \
    san=DNS:mail1.contoso.com $D
cat "$P/contoso-ca.pem" "$P/wg-ca.pem" >"$T_DIR/partners.pem"
cat "$P/contoso-ca.pem" >"$T_DIR/roots.pem"

# The example configuration, with a second listener and a smart host.
write_conf() { # FILE [extra transport lines]
    cat >"$1" <<CONF
server {
  fqdn = "mail1.contoso.com"
  trust_store = "$T_DIR/roots.pem"
}
transport {
  tls_receive_domain_secure_list = { "woodgrovebank.com" }
  tls_send_domain_secure_list = { "woodgrovebank.com", ".fabrikam.com" }
  partner_trust_store = "$T_DIR/partners.pem"
  ${2:-}
}
certificate "contoso-2025" {
  cert = "$P/old.pem"
  key = "$P/old.key"
}
certificate "contoso-2026" {
  cert = "$P/mail.pem"
  key = "$P/mail.key"
}
certificate "mail1" {
  cert = "$P/mail1.pem"
  key = "$P/mail1.key"
}
receive_connector "Inet" {
  bindings = { "127.0.0.1:25", "[::1]:25" }
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
}
receive_connector "Client Submission" {
  daemon_name = "Submission"
  bindings = { "127.0.0.1:587" }
  require_tls = true
}
send_connector "Internet" {
  address_spaces = { "*" }
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
}
send_connector "Partners Relay" {
  address_spaces = { "*.fabrikam.com", "tailspin.example" }
  dns_routing_enabled = false
  smart_hosts = { "relay.contoso.com" }
  port = 587
  fqdn = "mail.contoso.com"
}
milter {
  socket = "unix:/run/domsec/milter.sock"
}
CONF
}
CONF=$T_DIR/domsec.conf
write_conf "$CONF"
C="-c $CONF --at 2026-06-01"
OUTDIR=$T_DIR/out

# stable copies: the temporary directory and thumbprints vary per run
norm() { # FILE
    sed -e "s|$T_DIR|@DIR@|g" -e 's/thumbprint [0-9A-F]\{40\}/thumbprint @THUMBPRINT@/' "$1"
}
golden() { # DIR NAME SUBDIR
    if [ -n "${DS_REGEN:-}" ]; then
        mkdir -p "$GOLDEN/$3"
        norm "$1/$2" >"$GOLDEN/$3/$2"
    fi
    if norm "$1/$2" | cmp -s - "$GOLDEN/$3/$2"; then
        _tap 0 "$3/$2 is the reviewed golden file"
    else
        _tap 1 "$3/$2 is the reviewed golden file"
        norm "$1/$2" | diff -u "$GOLDEN/$3/$2" - | head -40 | _diag
    fi
}
# line FILE TEXT DESC: a line equal to TEXT, blanks squeezed
line() {
    if awk '{ $1 = $1; print }' "$1" | grep -qxF -- "$2"; then
        _tap 0 "$3"
    else
        _tap 1 "$3"
        { echo "want line: $2"; echo "in $(basename "$1"):"; cat "$1"; } | _diag
    fi
}
# the service block of master.cf that starts with SERVICE, -o lines joined
service() { # FILE SERVICE
    awk -v s="$1" '
        /^[^ #]/ { on = ($1 == s) }
        on { $1 = $1; printf "%s ", $0 }
        END { print "" }' "$2"
}
inode() { stat -c %i "$1"; }

# ---- render postfix, to stdout ------------------------------------------------
dsp $C render postfix
rc_is 0 "render postfix: exit 0"
for f in main.cf master.cf transport tls_policy sni; do
    has "$OUT" "==> /etc/postfix/domsec/$f <==" "stdout: header for $f"
done
has "$OUT" "transport_maps = hash:/etc/postfix/domsec/transport" \
    "stdout: the maps are referenced in /etc/postfix/domsec"

# ---- render postfix --output DIR ---------------------------------------------
dsp $C render postfix --output "$OUTDIR"
rc_is 0 "render postfix --output: exit 0"
for f in main.cf master.cf transport tls_policy sni; do
    has "$OUT" "created   $OUTDIR/$f" "summary: $f created"
    golden "$OUTDIR" "$f" render-postfix
done
is "$(cat "$ERR")" "" "render postfix: nothing on stderr"

# the certificate select chose for each connector
dsp $C select --json
jqis '[.results[] | select(.kind == "starttls") | "\(.connector)=\(.selected.certificate)"] | join(",")' \
    "Inet=contoso-2026,Client Submission=mail1,Internet=contoso-2026,Partners Relay=contoso-2026" \
    "select: the certificates render must use"
M=$OUTDIR/master.cf
inet=$(service 127.0.0.1:25 "$M")
case $inet in
*"-o smtpd_tls_chain_files=$P/mail.key,$P/mail.pem "*) _tap 0 "Inet: smtpd_tls_chain_files = the selected certificate (contoso-2026, not the older contoso-2025)" ;;
*) _tap 1 "Inet: smtpd_tls_chain_files = the selected certificate"; echo "$inet" | _diag ;;
esac
for want in "-o milter_macro_daemon_name=Inet" "-o smtpd_tls_security_level=may" \
    "-o smtpd_tls_ask_ccert=yes" "-o smtpd_tls_CAfile=$T_DIR/partners.pem" \
    "inet n - n - - smtpd"; do
    case $inet in
    *"$want"*) _tap 0 "Inet listener: $want" ;;
    *) _tap 1 "Inet listener: $want"; echo "$inet" | _diag ;;
    esac
done
v6=$(service '[::1]:25' "$M")
case $v6 in
*"-o milter_macro_daemon_name=Inet "*"-o smtpd_tls_ask_ccert=yes "*) _tap 0 "Inet: a second listener for [::1]:25, same settings" ;;
*) _tap 1 "Inet: a second listener for [::1]:25"; echo "$v6" | _diag ;;
esac
sub=$(service 127.0.0.1:587 "$M")
for want in "-o milter_macro_daemon_name=Submission" \
    "-o smtpd_tls_security_level=encrypt" "-o smtpd_tls_ask_ccert=no" \
    "-o smtpd_tls_chain_files=$P/mail1.key,$P/mail1.pem" \
    "-o syslog_name=\${multi_instance_name?{\$multi_instance_name}:{postfix}}/client-submission"; do
    case $sub in
    *"$want"*) _tap 0 "Submission listener: $want" ;;
    *) _tap 1 "Submission listener: $want"; echo "$sub" | _diag ;;
    esac
done
case $sub in
*smtpd_tls_CAfile*) _tap 1 "Submission (no domain security): no smtpd_tls_CAfile" ;;
*) _tap 0 "Submission (no domain security): no smtpd_tls_CAfile" ;;
esac
out=$(service domsec-internet "$M")
for want in "unix - - n - - smtp" "-o smtp_helo_name=mail.contoso.com" \
    "-o smtp_tls_chain_files=$P/mail.key,$P/mail.pem" \
    "-o smtp_tls_CAfile=$T_DIR/partners.pem" "-o smtp_tls_security_level=may"; do
    case $out in
    *"$want"*) _tap 0 "transport domsec-internet: $want" ;;
    *) _tap 1 "transport domsec-internet: $want"; echo "$out" | _diag ;;
    esac
done
relay=$(service domsec-partners-relay "$M")
# the smart host's port is in the next hop (transport): written once
case $relay in
*smtp_tcp_port*) _tap 1 "transport domsec-partners-relay: no smtp_tcp_port (the port is in the next hop)"; echo "$relay" | _diag ;;
*) _tap 0 "transport domsec-partners-relay: no smtp_tcp_port (the port is in the next hop)" ;;
esac
case $relay in
*smtp_tls_CAfile*) _tap 1 "no domain security: no smtp_tls_CAfile" ;;
*) _tap 0 "no domain security: no smtp_tls_CAfile" ;;
esac
MC=$OUTDIR/main.cf
line "$MC" "smtpd_milters = unix:/run/domsec/milter.sock" "main.cf: smtpd_milters in Postfix's spelling"
line "$MC" "milter_default_action = tempfail" "main.cf: tempfail while the milter is down"
line "$MC" "default_transport = domsec-internet" "main.cf: address space * is the default transport"
line "$MC" "relayhost =" "main.cf: ... delivering by DNS (no relayhost)"
line "$MC" "transport_maps = hash:$OUTDIR/transport" "main.cf: transport_maps in DIR"
line "$MC" "smtp_tls_policy_maps = hash:$OUTDIR/tls_policy" "main.cf: smtp_tls_policy_maps in DIR"
line "$MC" "tls_server_sni_maps = hash:$OUTDIR/sni" "main.cf: SNI map (mail1.contoso.com has its own certificate)"
T=$OUTDIR/transport
line "$T" "woodgrovebank.com domsec-internet:" "transport: a send-list domain to the domain-secure connector"
line "$T" ".fabrikam.com domsec-internet:" "transport: a send-list subdomain entry to the domain-secure connector, over a more specific plain one"
line "$T" "fabrikam.com domsec-partners-relay:[relay.contoso.com]:587" "transport: *.fabrikam.com covers fabrikam.com itself"
line "$T" "tailspin.example domsec-partners-relay:[relay.contoso.com]:587" "transport: an address space through a smart host, [host]:port"
TP=$OUTDIR/tls_policy
line "$TP" "woodgrovebank.com secure match=woodgrovebank.com:.woodgrovebank.com" "tls_policy: secure, the domain or a host under it"
line "$TP" ".fabrikam.com secure match=nexthop:dot-nexthop" "tls_policy: names under a domain match their own next hop"
is "$(grep -c " secure match=" "$TP")" 2 "tls_policy: exactly the send list"
line "$OUTDIR/sni" "mail1.contoso.com $P/mail1.key $P/mail1.pem" "sni: mail1.contoso.com -> its certificate"
line "$OUTDIR/sni" "mail.contoso.com $P/mail.key $P/mail.pem" "sni: mail.contoso.com -> the selected certificate"

# ---- again: nothing changes, nothing is touched ------------------------------------
before=$(for f in main.cf master.cf transport tls_policy sni; do inode "$OUTDIR/$f"; done)
dsp $C render postfix --output "$OUTDIR"
rc_is 0 "render again: exit 0"
is "$(grep -c '^unchanged' "$OUT")" 5 "render again: every file unchanged"
is "$(for f in main.cf master.cf transport tls_policy sni; do inode "$OUTDIR/$f"; done)" \
    "$before" "render again: no file replaced"
is "$(find "$OUTDIR" -name '.*' -type f | wc -l)" 0 "no temporary files left"

# a change to one list rewrites only the maps it affects
write_conf "$CONF.2"
sed -i 's/"woodgrovebank.com", ".fabrikam.com"/"woodgrovebank.com", ".fabrikam.com", "tailspin.example"/' "$CONF.2"
cp "$CONF.2" "$CONF"
mi=$(inode "$MC")
dsp $C render postfix --output "$OUTDIR"
has "$OUT" "updated   $OUTDIR/transport" "a new send-list domain: transport updated"
has "$OUT" "updated   $OUTDIR/tls_policy" "a new send-list domain: tls_policy updated"
has "$OUT" "unchanged $OUTDIR/main.cf" "a new send-list domain: main.cf unchanged"
is "$(inode "$MC")" "$mi" "main.cf left untouched"
line "$T" "tailspin.example domsec-internet:" "the listed domain goes to the domain-secure connector, not the smart host"
line "$TP" "tailspin.example secure match=tailspin.example:.tailspin.example" "... with the secure policy"
write_conf "$CONF"

# ---- --postmap -----------------------------------------------------------------
PATH=$PATH:/usr/sbin:/sbin
if command -v postmap >/dev/null 2>&1; then
    dsp $C render postfix --output "$OUTDIR" --postmap
    rc_is 0 "--postmap: exit 0"
    has "$OUT" "built     $OUTDIR/transport.db (postmap)" "--postmap: transport.db built"
    has "$OUT" "built     $OUTDIR/sni.db (postmap -F)" "--postmap: sni.db built with -F"
    is "$(postmap -c "$OUTDIR" -q woodgrovebank.com "hash:$OUTDIR/transport")" \
        "domsec-internet:" "postmap -q: the partner's route"
    is "$(postmap -c "$OUTDIR" -q woodgrovebank.com "hash:$OUTDIR/tls_policy")" \
        "secure match=woodgrovebank.com:.woodgrovebank.com" "postmap -q: the partner's TLS policy"
    postmap -c "$OUTDIR" -F -q mail1.contoso.com "hash:$OUTDIR/sni" >"$T_DIR/sni.pem"
    is "$(openssl x509 -in "$T_DIR/sni.pem" -noout -subject 2>/dev/null)" \
        "subject=O = Contoso, CN = mail1.contoso.com" "postmap -F: the SNI entry holds the certificate"
    dsp $C render postfix --output "$OUTDIR" --postmap
    has "$OUT" "unchanged $OUTDIR/tls_policy.db" "--postmap again: up-to-date maps not rebuilt"
else
    _tap 0 "# SKIP postmap not installed"
fi

# ---- refusals: nothing is written ---------------------------------------------------
# the renewal story: tls_certificate_name still names the old issuer
awk '/^send_connector "Internet"/ { print; print "  tls_certificate_name = \"<I>CN=Contoso Issuing CA G1, O=Contoso<S>CN=mail.contoso.com, O=Contoso\""; next } { print }' \
    "$CONF" >"$CONF.stale"
sums=$(cd "$OUTDIR" && cat main.cf master.cf transport tls_policy sni | cksum)
dsp -c "$CONF.stale" --at 2026-06-01 render postfix --output "$OUTDIR"
rc_is 1 "no certificate for a connector: exit 1"
has "$ERR" "send connector Internet: event 12014: the certificate specified in tls_certificate_name of the send connector Internet could not be found" \
    "the refusal names the connector and the Exchange event"
has "$ERR" "domsec-policy: render postfix: nothing written" "... and says nothing was written"
is "$(cd "$OUTDIR" && cat main.cf master.cf transport tls_policy sni | cksum)" "$sums" \
    "refused: the files in DIR are as they were"
is "$(cat "$OUT")" "" "refused: no summary"
dsp -c "$CONF.stale" --at 2026-06-01 render postfix --output "$T_DIR/new"
ok "refused: a new DIR is not even created" test ! -e "$T_DIR/new"
dsp -c "$CONF.stale" --at 2026-06-01 render sendmail
rc_is 1 "render sendmail refuses too: exit 1"

# an expired certificate (2016 rules) is still used: on a connector without
# domain security rendered, with a warning; on a domain-secure connector
# refused (partners refuse an expired certificate)
dsp -c "$CONF" --at 2028-06-01 render postfix
rc_is 1 "an expired certificate on a domain-secure connector: refused"
has "$ERR" "warning: receive connector Inet: event 12016:" "... with event 12016 as a warning"
has "$ERR" "error: receive connector Inet has domain security, but its certificate \"contoso-2026\" expired on 2028-01-01T00:00:00Z: partners refuse it [domain-secure-certificate-expired]" \
    "... and the refusal, with its code"
sed -e 's/domain_secure_enabled = true/domain_secure_enabled = false/' \
    -e 's/"woodgrovebank.com", ".fabrikam.com"/"tailspin.example"/' "$CONF" >"$CONF.plain"
sed -i 's/address_spaces = { "\*.fabrikam.com", "tailspin.example" }/address_spaces = { "*.fabrikam.com" }/' "$CONF.plain"
sed -i '/^send_connector "Internet"/,/^}/s/domain_secure_enabled = false/domain_secure_enabled = true/' "$CONF.plain"
sed -i '/^send_connector "Internet"/,/^}/s/address_spaces = { "\*" }/address_spaces = { "*", "tailspin.example" }/' "$CONF.plain"
dsp -c "$CONF.plain" --at 2028-06-01 render postfix
has "$ERR" "warning: receive connector Inet: event 12016:" "expired, no domain security on the listener: event 12016 as a warning"
hasnt "$ERR" "receive connector Inet has domain security" "... and no refusal for it"

# configuration errors: 78
sed 's|"127.0.0.1:587"|"localhost:587"|' "$CONF" >"$CONF.bind"
dsp -c "$CONF.bind" --at 2026-06-01 render postfix
rc_is 78 "a binding that is not ADDRESS:PORT: exit 78"
has "$ERR" "$CONF.bind:30: error: receive_connector \"Client Submission\": bindings: \"localhost:587\" is not ADDRESS:PORT [invalid-binding]" \
    "... at the binding's line (found when the configuration is loaded)"
sed 's|"127.0.0.1:587"|"127.0.0.1:25"|' "$CONF" >"$CONF.dup"
dsp -c "$CONF.dup" --at 2026-06-01 render postfix
rc_is 78 "the same address and port twice: exit 78"
has "$ERR" "receive_connector \"Client Submission\": bindings: 127.0.0.1:25 is already bound by receive connector \"Inet\" (127.0.0.1:25) [duplicate-binding]" "... says which"
grep -v partner_trust_store "$CONF" >"$CONF.nopts"
dsp -c "$CONF.nopts" --at 2026-06-01 render sendmail
rc_is 78 "domain security without partner_trust_store: exit 78"
has "$ERR" "transport.partner_trust_store is not set, but a receive connector has domain security" \
    "... says why"

# usage errors: 64
for args in "render" "render exim" "render postfix sendmail" \
    "render postfix --postmap" "render sendmail --output $T_DIR/x --postmap" \
    "render postfix --json" "select --output $T_DIR/x"; do
    # shellcheck disable=SC2086
    dsp $C $args
    rc_is 64 "usage error: $args"
done
dsp $C render postfix --output "$T_DIR/a dir"
rc_is 64 "usage error: an output directory with a space"

# ---- milter socket spellings ---------------------------------------------------------
sock() { # SOCKET POSTFIX SENDMAIL
    sed "s|unix:/run/domsec/milter.sock|$1|" "$CONF" >"$CONF.sock"
    dsp -c "$CONF.sock" --at 2026-06-01 render postfix
    has "$OUT" "smtpd_milters = $2" "socket $1: Postfix writes $2"
    dsp -c "$CONF.sock" --at 2026-06-01 render sendmail
    has "$OUT" "INPUT_MAIL_FILTER(\`domsec', \`S=$3, F=T, T=S:30s;R:30s;E:5m')dnl" \
        "socket $1: Sendmail writes $3"
}
sock "inet:8895@127.0.0.1" "inet:127.0.0.1:8895" "inet:8895@127.0.0.1"
sock "inet:8895" "inet:127.0.0.1:8895" "inet:8895@127.0.0.1"
sock "inet6:8895@::1" "inet:[::1]:8895" "inet6:8895@::1"
sock "local:/run/m.sock" "unix:/run/m.sock" "local:/run/m.sock"

# ---- SNI no longer needed: the old map is removed ----------------------------------
awk '/^certificate "mail1"/ { s = 1 } s && /^}/ { s = 0; next } !s' "$CONF" \
    >"$CONF.nosni"
sed -i 's|  require_tls = true|  require_tls = true\n  fqdn = "mail.contoso.com"|' "$CONF.nosni"
dsp -c "$CONF.nosni" --at 2026-06-01 render postfix --output "$OUTDIR"
rc_is 0 "one certificate for every name: exit 0"
has "$OUT" "removed   $OUTDIR/sni (no longer needed)" "the SNI map is removed"
ok "... with its .db" test ! -e "$OUTDIR/sni.db"
hasnt "$OUTDIR/main.cf" "tls_server_sni_maps" "main.cf no longer names it"

# ---- render sendmail ------------------------------------------------------------
SM=$T_DIR/sm
dsp $C render sendmail --output "$SM"
rc_is 0 "render sendmail --output: exit 0"
for f in domsec.mc access mailertable; do
    has "$OUT" "created   $SM/$f" "summary: $f created"
    golden "$SM" "$f" render-sendmail
done
has "$ERR" "warning: Sendmail has one server certificate for every daemon (confSERVER_CERT): it is certificate \"contoso-2026\" of connector Inet; Client Submission (\"mail1\") would need another one" \
    "sendmail: a clear warning when connectors need different certificates"
has "$ERR" "receive connector Client Submission: Sendmail cannot require TLS on one daemon" \
    "sendmail: require_tls per daemon cannot be rendered: warning"
MCF=$SM/domsec.mc
has "$MCF" "DAEMON_OPTIONS(\`Name=Inet, Family=inet, Addr=127.0.0.1, Port=25')dnl" "domsec.mc: a daemon per binding, Name= the daemon_name"
has "$MCF" "DAEMON_OPTIONS(\`Name=Inet, Family=inet6, Addr=::1, Port=25')dnl" "domsec.mc: IPv6 binding"
has "$MCF" "define(\`confSERVER_CERT', \`$P/mail.pem')dnl" "domsec.mc: the selected server certificate"
has "$MCF" "define(\`confSERVER_KEY', \`$P/mail.key')dnl" "domsec.mc: its key"
has "$MCF" "define(\`confCLIENT_CERT', \`$P/mail.pem')dnl" "domsec.mc: the domain-secure send connector's client certificate"
has "$MCF" "define(\`confCACERT', \`$T_DIR/partners.pem')dnl" "domsec.mc: the partner CAs"
has "$MCF" "{verify}, {cn_subject}, {cn_issuer}''" "domsec.mc: the macros the milter needs at MAIL"
line "$SM/access" "TLS_Rcpt:woodgrovebank.com VERIFY+CN" "access: TLS_Rcpt VERIFY+CN for a send-list domain"
line "$SM/access" "TLS_Rcpt:.fabrikam.com VERIFY+CN" "access: a subdomain-only entry keeps its dot ..."
has "$MCF" "FEATURE(\`lookupdotdomain')dnl" "... and FEATURE(lookupdotdomain) makes Sendmail read it so"
line "$SM/mailertable" "tailspin.example domsec587:[relay.contoso.com]" "mailertable: an address space through a smart host, on its port"
line "$SM/mailertable" "fabrikam.com domsec587:[relay.contoso.com]" "mailertable: *.fabrikam.com covers fabrikam.com (.fabrikam.com goes by MX, as the default)"
has "$MCF" "A=TCP \$h 587" "domsec.mc: the esmtp mailer on port 587"

# ---- Postfix accepts the fragments ------------------------------------------------------
if [ "$(id -u)" -eq 0 ] && command -v postfix >/dev/null 2>&1 &&
    id postfix >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    . "$top_srcdir/t/lib/postfix.sh"
    dsp $C render postfix --output "$OUTDIR" --postmap
    chmod 755 "$T_DIR"
    pf_init_rendered "$T_DIR/pf" contoso contoso.com "$OUTDIR" 2>"$T_DIR/check.err"
    if [ $? -eq 0 ]; then _tap 0 "postfix check accepts main.cf/master.cf with the fragments"; else _tap 1 "postfix check accepts main.cf/master.cf with the fragments"; _diag <"$T_DIR/check.err"; fi
    is "$(postconf -c "$T_DIR/pf/etc" -h default_transport)" domsec-internet \
        "postconf reads the rendered default_transport"
    is "$(postconf -c "$T_DIR/pf/etc" -P '127.0.0.1:25/inet/smtpd_tls_ask_ccert')" \
        "127.0.0.1:25/inet/smtpd_tls_ask_ccert = yes" "postconf -P reads the listener's -o settings"
    is "$(postconf -c "$T_DIR/pf/etc" -P 'domsec-internet/unix/smtp_helo_name')" \
        "domsec-internet/unix/smtp_helo_name = mail.contoso.com" "postconf -P reads the transport's settings"
    # every configuration this test renders for Postfix, loaded by Postfix
    i=0
    for c in "$CONF" "$CONF.2" "$CONF.nosni" "$CONF.plain" \
        "inet:8895@127.0.0.1" "inet:8895" "inet6:8895@::1" "local:/run/m.sock"; do
        i=$((i + 1))
        case $c in
        /*) f=$c ;;
        *) f=$CONF.s$i && sed "s|unix:/run/domsec/milter.sock|$c|" "$CONF" >"$f" ;;
        esac
        dsp -c "$f" --at 2026-06-01 render postfix --output "$T_DIR/r$i"
        pf_check_clean "$T_DIR/pfc" "$T_DIR/r$i" >"$T_DIR/clean.out" 2>&1
        is "$RC:$?:$(cat "$T_DIR/clean.out")" "0:0:" \
            "Postfix loads the rendered $(basename "$f") (socket $c): postfix check and postconf clean"
    done
else
    _tap 0 "# SKIP postfix check: needs root and Postfix"
fi

done_testing
