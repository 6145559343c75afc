#!/bin/sh
# mistakes.sh - one configuration per mistake an administrator makes with
# an own domsec.conf, and what must come of it: refused with FILE:LINE and
# its code (check-config, and render writes nothing), or rendered and
# accepted by the real Postfix: `postfix check` and `postconf` clean on a
# private configuration with the rendered files appended, STARTTLS with
# the rendered certificate, and messages delivered over loopback through
# smart hosts written as "[127.0.0.1]:PORT" and "localhost:PORT". The
# Sendmail rows compile the rendered .mc and, when the Sendmail binary can
# be had (t/lib/sendmail.sh), check its routing and TLS_Rcpt rulesets and
# deliver through SMART_HOST and a mailertable entry on a port other than
# 25 to smtp-sink.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

pki_init "$T_DIR/pki"
P=$PKI_DIR
D="start=20260101000000Z end=20280101000000Z"
pki_ca ca "/O=Contoso/CN=Contoso Issuing CA" self \
    start=20200101000000Z end=20400101000000Z
pki_cert mail "/O=Contoso/CN=mail.contoso.com" ca san=DNS:mail.contoso.com $D
pki_cert gone "/O=Contoso/CN=mail.contoso.com" ca san=DNS:mail.contoso.com \
    start=20240101000000Z end=20250101000000Z
cat "$P/mail.key" "$P/mail.pem" >"$P/combined.pem"    # key, then certificate
cat "$P/mail.pem" "$P/mail.key" >"$P/backwards.pem"   # certificate, then key
chmod 600 "$P/combined.pem" "$P/backwards.pem"
cp "$P/ca.pem" "$T_DIR/partners.pem"
AT="--at 2026-06-01"

# conf FILE: the base configuration, then the sections on stdin. Lines:
# 1-4 server, 5-8 transport, then what stdin holds from line 9 on.
conf() {
    {
        printf 'server {\n  fqdn = "mail.contoso.com"\n'
        printf '  trust_store = "%s/ca.pem"\n}\n' "$P"
        printf 'transport {\n  tls_receive_domain_secure_list = { "woodgrovebank.com" }\n'
        printf '  partner_trust_store = "%s"\n}\n' "${PARTNERS:-$T_DIR/partners.pem}"
        cat
    } >"$1"
}
cert_section() { # NAME CERT [KEY]
    printf 'certificate "%s" {\n  cert = "%s"\n' "$1" "$2"
    [ -z "${3:-}" ] || printf '  key = "%s"\n' "$3"
    printf '}\n'
}

# refused DESC FILE LINE CODE [MTA]: check-config and render refuse, at
# FILE:LINE with the code, and render writes nothing
refused() {
    local desc=$1 file=$2 line=$3 code=$4 mta=${5:-postfix}
    dsp -c "$file" $AT check-config --json
    rc_is 78 "$desc: check-config exits 78"
    jqis "[.errors[] | select(.code == \"$code\") | \"\\(.file):\\(.line)\"][0]" \
        "$file:$line" "$desc: check-config: $code at $(basename "$file"):$line"
    dsp -c "$file" $AT render "$mta" --output "$T_DIR/never"
    rc_is 78 "$desc: render $mta exits 78"
    has "$ERR" "$file:$line: error: " "$desc: render names $(basename "$file"):$line"
    has "$ERR" "[$code]" "$desc: ... with the code"
    ok "$desc: render writes nothing" test ! -e "$T_DIR/never"
}

# ---- refused: one configuration per mistake --------------------------------------
n=0
next() { n=$((n + 1)); F=$T_DIR/m$n.conf; }

next # a smart host that is none of the accepted forms
conf "$F" <<CONF
send_connector "Relay" {
  address_spaces = { "*" }
  dns_routing_enabled = false
  smart_hosts = { "[192.0.2.25]:2525",
                  "relay example.net" }
}
CONF
refused "smart host with a space" "$F" 13 invalid-smart-host
has "$ERR" "hint: write a host (\"relay.example.net\", \"relay.example.net:587\", \"[relay.example.net]:587\")" \
    "smart host: the hint lists the accepted forms"

next # an unclosed bracket
conf "$F" <<CONF
send_connector "Relay" {
  address_spaces = { "*" }
  dns_routing_enabled = false
  smart_hosts = { "[192.0.2.25:2525" }
}
CONF
refused "smart host [192.0.2.25:2525" "$F" 12 invalid-smart-host

next # a port written twice, differently
conf "$F" <<CONF
send_connector "Relay" {
  address_spaces = { "*" }
  dns_routing_enabled = false
  port = 587
  smart_hosts = { "[192.0.2.25]:2525" }
}
CONF
refused "smart host port 2525, connector port 587" "$F" 13 smart-host-port-conflict

next # partner_trust_store names a missing file
PARTNERS=$T_DIR/none.pem conf "$F" <<CONF
receive_connector "Inet" {
  domain_secure_enabled = true
}
CONF
refused "partner_trust_store: a missing file" "$F" 7 partner-cas-unreadable

next # ... an empty file
: >"$T_DIR/empty.pem"
PARTNERS=$T_DIR/empty.pem conf "$F" <<CONF
receive_connector "Inet" {
  domain_secure_enabled = true
}
CONF
refused "partner_trust_store: an empty file" "$F" 7 partner-cas-unreadable
dsp -c "$F" check-config
has "$ERR" "$T_DIR/empty.pem: is empty" "partner_trust_store: an empty file: says so"

next # ... a file without a CA certificate
PARTNERS=$P/mail.pem conf "$F" <<CONF
receive_connector "Inet" {
  domain_secure_enabled = true
}
CONF
refused "partner_trust_store: a server certificate, no CA" "$F" 7 partner-cas-no-ca

next # two connectors whose names differ only in case
conf "$F" <<CONF
receive_connector "Default Frontend" {
  bindings = { "127.0.0.1:2525" }
}
receive_connector "default frontend" {
  daemon_name = "other"
  bindings = { "127.0.0.1:2526" }
}
CONF
refused "connector names that differ only in case" "$F" 12 duplicate-name

next # a binding that is not an address
conf "$F" <<CONF
receive_connector "Inet" {
  bindings = { "127.0.0.1:2525",
               "not-an-address" }
}
CONF
refused "binding \"not-an-address\"" "$F" 11 invalid-binding

next # an unterminated string on line 3
printf 'server {\n  fqdn = "mail.contoso.com"\n  hostname = "mail\n  physical_fqdn = "b.contoso.com"\n}\n' >"$F"
refused "a string not closed on line 3" "$F" 3 unterminated-string

next # port = 587;
conf "$F" <<CONF
send_connector "Internet" {
  address_spaces = { "*" }
  port = 587;
}
CONF
refused "port = 587;" "$F" 11 wrong-type
has "$ERR" "hint: remove the ';' after the value" "port = 587;: the hint is about the ';'"
hasnt "$ERR" "without quotes" "port = 587;: no hint about quotes"

next # an option given twice in one section
conf "$F" <<CONF
send_connector "Internet" {
  address_spaces = { "*" }
  fqdn = "mail.contoso.com"
  fqdn = "relay.contoso.com"
}
CONF
refused "fqdn given twice" "$F" 12 duplicate-option

next # a bad entry on line 50,001 of an included list
{
    printf 'tls_receive_domain_secure_list = {\n'
    i=1
    while [ $i -lt 50000 ]; do
        printf '  "d%d.example",\n' "$i"
        i=$((i + 1))
    done
    printf '  "bad_domain.example" }\n'
} >"$T_DIR/list.conf"
conf "$F" <<CONF
transport {
  include("list.conf")
}
CONF
sed -i '5,8d' "$F" # one transport section, the include in it
dsp -c "$F" check-config --json
rc_is 78 "a bad entry on line 50,001 of an include: exit 78"
jqis '[.errors[] | select(.code == "invalid-domain") | "\(.file):\(.line)"][0]' \
    "$T_DIR/list.conf:50001" "an entry on line 50,001 of an include: its own file:line"

next # a file that is not a regular file, and one larger than 64 MiB
dsp -c /dev/null check-config --json
rc_is 78 "-c /dev/null: exit 78"
jqis '.errors[0].code' config-not-regular "-c /dev/null: refused before reading (config-not-regular)"
truncate -s 65M "$F"
dsp -c "$F" check-config --json
jqis '.errors[0].code' config-too-large "a 65 MiB file: refused before reading (config-too-large)"

next # an expired certificate on a domain-secure connector: lint and render
conf "$F" <<CONF
$(cert_section gone "$P/gone.pem" "$P/gone.key")
receive_connector "Inet" {
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
}
CONF
dsp -c "$F" $AT check-config
rc_is 0 "expired certificate: the configuration itself is fine (check-config 0)"
dsp -c "$F" $AT lint --json
rc_is 1 "expired certificate on a domain-secure connector: lint exits 1"
jqis '[.findings[] | select(.code == "domain-secure-certificate-expired") | "\(.severity):\(.line)"][0]' \
    "error:13" "... an error at the connector's line"
dsp -c "$F" $AT render postfix --output "$T_DIR/never"
rc_is 1 "... render refuses (exit 1)"
has "$ERR" "[domain-secure-certificate-expired]" "... with the same code"
ok "... and writes nothing" test ! -e "$T_DIR/never"

next # the key after the certificate in a combined file: Postfix loads no key
conf "$F" <<CONF
$(cert_section backwards "$P/backwards.pem" "$P/backwards.pem")
receive_connector "Inet" {
  fqdn = "mail.contoso.com"
  bindings = { "127.0.0.1:2525" }
}
CONF
dsp -c "$F" $AT render postfix --output "$T_DIR/never"
rc_is 78 "certificate before its key in one file: render exits 78"
has "$ERR" "$F:9: error: certificate \"backwards\": Postfix reads $P/backwards.pem as one sequence" \
    "... at the certificate's line, naming the file once"
has "$ERR" "[render-chain-order]" "... with its code"
ok "... and writes nothing" test ! -e "$T_DIR/never"

next # Sendmail: one connector's smart hosts on two ports
conf "$F" <<CONF
$(cert_section mail "$P/mail.pem" "$P/mail.key")
send_connector "Relay" {
  address_spaces = { "*" }
  dns_routing_enabled = false
  smart_hosts = { "[192.0.2.25]:2525", "[192.0.2.26]:587" }
}
CONF
dsp -c "$F" $AT render sendmail --output "$T_DIR/never"
rc_is 78 "Sendmail, smart hosts on two ports: render sendmail exits 78"
has "$ERR" "$F:16: error: send connector Relay: Sendmail sends one route to one port" \
    "... says why, at the smart host's line"
has "$ERR" "[sendmail-route]" "... with its code"
ok "... and writes nothing" test ! -e "$T_DIR/never"

# ---- hints that paste into a shell -----------------------------------------------------
conf "$T_DIR/quote.conf" <<CONF
receive_connector "Default Frontend" {
  fqdn = "nocert.contoso.com"
}
CONF
dsp -c "$T_DIR/quote.conf" $AT render postfix
rc_is 1 "a connector without a certificate: render exits 1"
has "$ERR" "hint: \`domsec-policy explain 'Default Frontend'\` shows every candidate" \
    "render's hint quotes the connector's name for the shell"
dsp -c "$T_DIR/quote.conf" $AT explain 'default frontend'
rc_is 1 "explain finds the connector whatever the case of its name"
has "$OUT" "receive connector \"Default Frontend\"" "... and shows it"

# ---- anonymous TLS: said once, by lint and by render -------------------------------------
conf "$T_DIR/anon.conf" <<CONF
$(cert_section mail "$P/mail.pem" "$P/mail.key")
receive_connector "Inet" {
  fqdn = "mail.contoso.com"
  auth_mechanism = { "tls", "exchange_server" }
}
send_connector "Internet" {
  address_spaces = { "*" }
  fqdn = "mail.contoso.com"
  smart_host_auth_mechanism = { "exchange_server" }
}
CONF
dsp -c "$T_DIR/anon.conf" $AT lint --json
jqis '[.findings[] | select(.code == "anonymous-tls-not-rendered")] | length' 1 \
    "exchange_server: lint says once that anonymous TLS is not rendered"
jqis '[.findings[] | select(.code == "anonymous-tls-not-rendered")][0].text | contains("receive connector Inet, send connector Internet")' \
    true "... naming every connector that uses it"
jqis '[.findings[] | select(.event == 12012)][0].hint | contains("render writes nothing for it")' \
    true "... and its advice for event 12012 says the same"
dsp -c "$T_DIR/anon.conf" $AT render postfix
rc_is 0 "exchange_server: render postfix renders the STARTTLS settings"
is "$(grep -c 'anonymous-tls-not-rendered' "$ERR")" 1 "... and says once that anonymous TLS is not rendered"
hasnt "$ERR" "internal_certificate" "... without asking for the internal certificate"

# ---- a public CA bundle as partner_trust_store: a warning ----------------------------------
if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
    PARTNERS=/etc/ssl/certs/ca-certificates.crt conf "$T_DIR/public.conf" </dev/null
    dsp -c "$T_DIR/public.conf" check-config --json
    rc_is 0 "partner_trust_store = the public CA bundle: loads"
    jqis '[.warnings[] | select(.code == "partner-cas-public") | .line][0]' 7 \
        "... with warning partner-cas-public at its line"
else
    _tap 0 "# SKIP no /etc/ssl/certs/ca-certificates.crt"
    _tap 0 "# SKIP no /etc/ssl/certs/ca-certificates.crt"
fi

# ---- rendered: every smart-host form, a valid Postfix next hop -----------------------------
conf "$T_DIR/forms.conf" <<CONF
$(cert_section mail "$P/mail.pem" "$P/mail.key")
send_connector "Bracketed" {
  address_spaces = { "a.example" }
  dns_routing_enabled = false
  smart_hosts = { "[192.0.2.25]:2525" }
}
send_connector "Host Port" {
  address_spaces = { "b.example" }
  dns_routing_enabled = false
  smart_hosts = { "relay.example.net:587" }
}
send_connector "Plain" {
  address_spaces = { "c.example" }
  dns_routing_enabled = false
  smart_hosts = { "192.0.2.26", "relay2.example.net" }
  port = 2526
}
send_connector "IPv6" {
  address_spaces = { "d.example" }
  dns_routing_enabled = false
  smart_hosts = { "[ipv6:2001:db8::1]", "[IPv6:2001:DB8:0::2]:2527" }
}
send_connector "IDN" {
  address_spaces = { "e.example" }
  dns_routing_enabled = false
  smart_hosts = { "relais.bücher.example" }
}
CONF
dsp -c "$T_DIR/forms.conf" $AT check-config
rc_is 0 "every accepted smart-host form: check-config 0"
dsp -c "$T_DIR/forms.conf" $AT render postfix --output "$T_DIR/forms"
rc_is 0 "... render postfix 0"
route() { awk -v d="$1" '$1 == d { print $2 }' "$T_DIR/forms/transport"; }
is "$(route a.example)" "domsec-bracketed:[192.0.2.25]:2525" "[192.0.2.25]:2525 stays [192.0.2.25]:2525"
is "$(route b.example)" "domsec-host-port:[relay.example.net]:587" "relay.example.net:587 becomes [relay.example.net]:587"
is "$(route c.example)" "domsec-plain:[192.0.2.26]:2526,[relay2.example.net]:2526" \
    "a bare address and a host take the connector's port, in order"
is "$(route d.example)" "domsec-ipv6:[ipv6:2001:db8::1]:25,[ipv6:2001:db8::2]:2527" \
    "IPv6: [ipv6:ADDR]:PORT, the address in its canonical form"
is "$(route e.example)" "domsec-idn:[relais.xn--bcher-kva.example]:25" "an IDN smart host becomes A-labels"
hasnt "$T_DIR/forms/master.cf" "smtp_tcp_port" "the port is written once: in the next hop, not in smtp_tcp_port"

# ---- Sendmail: the same routes, as Sendmail administrators write them ------------------------
cat >"$T_DIR/sm.conf" <<CONF
server {
  fqdn = "mail.contoso.com"
  trust_store = "$P/ca.pem"
}
transport {
  tls_send_domain_secure_list = { "woodgrovebank.com", ".tailspintoys.com" }
  partner_trust_store = "$T_DIR/partners.pem"
}
$(cert_section mail "$P/mail.pem" "$P/mail.key")
send_connector "Internet" {
  address_spaces = { "*" }
  dns_routing_enabled = false
  smart_hosts = { "[192.0.2.25]" }
  fqdn = "mail.contoso.com"
}
send_connector "Partners" {
  address_spaces = { "woodgrovebank.com", "*.tailspintoys.com" }
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
}
send_connector "Submission Relay" {
  address_spaces = { "tailspin.example" }
  dns_routing_enabled = false
  smart_hosts = { "relay.contoso.com:587" }
  fqdn = "mail.contoso.com"
}
CONF
SMD=$T_DIR/sm
dsp -c "$T_DIR/sm.conf" $AT render sendmail --output "$SMD"
rc_is 0 "render sendmail with smart hosts and a subdomain-only entry: exit 0"
has "$SMD/domsec.mc" "define(\`SMART_HOST', \`esmtp:[192.0.2.25]')dnl" \
    "domsec.mc: the default route through a smart host is SMART_HOST"
has "$SMD/domsec.mc" "A=TCP \$h 587" "domsec.mc: a mailer for port 587"
has "$SMD/domsec.mc" "FEATURE(\`lookupdotdomain')dnl" "domsec.mc: FEATURE(lookupdotdomain) for the .tailspintoys.com entry"
mt() { awk -v k="$1" '$1 == k { print $2 }' "$SMD/mailertable"; }
is "$(mt woodgrovebank.com)" "esmtp:woodgrovebank.com" "mailertable: a send-list domain goes by MX, not to the smart host"
is "$(mt .tailspintoys.com)" "esmtp:%1.tailspintoys.com" "mailertable: names under tailspintoys.com by their own MX"
is "$(mt tailspin.example)" "domsec587:[relay.contoso.com]" "mailertable: relay.contoso.com:587 through the port-587 mailer"
ok "access: TLS_Rcpt:.tailspintoys.com (names under it only)" \
    grep -qxF "TLS_Rcpt:.tailspintoys.com	VERIFY+CN" "$SMD/access"
hasnt "$SMD/access" "TLS_Rcpt:tailspintoys.com" "access: no entry for the apex tailspintoys.com"
if command -v m4 >/dev/null 2>&1 && [ -f /usr/share/sendmail/cf/m4/cf.m4 ]; then
    . "$top_srcdir/t/lib/sendmail.sh"
    # sm_cf NAME RENDERED: $T_DIR/NAME.cf from an .mc for a private daemon
    # under $T_DIR/NAME-run with the rendered fragment and its mailertable
    # (m4's errors in $T_DIR/NAME-m4.err)
    sm_cf() {
        mkdir -p "$T_DIR/$1-run/queue"
        chmod 700 "$T_DIR/$1-run/queue"
        sm_mc "$T_DIR/$1.mc" "$T_DIR/$1-run" "$2"
        sed -i "s|^include(\`$2/domsec.mc')dnl|FEATURE(\`mailertable', \`hash -o $2/mailertable')dnl\\n&|" \
            "$T_DIR/$1.mc"
        m4 "$T_DIR/$1.mc" >"$T_DIR/$1.cf" 2>"$T_DIR/$1-m4.err"
    }
    # sm_maps NAME RENDERED: the rendered maps, built by Sendmail's makemap
    sm_maps() {
        "$SM_MAKEMAP" -C "$T_DIR/$1.cf" hash "$2/mailertable" <"$2/mailertable"
        "$SM_MAKEMAP" -C "$T_DIR/$1.cf" hash "$2/access" <"$2/access"
    }
    sm_cf sm "$SMD"
    is "$?:$(cat "$T_DIR/sm-m4.err")" "0:" "m4 with sendmail-cf compiles it, no error"
    has "$T_DIR/sm.cf" "A=TCP \$h 587" ".cf: the port-587 mailer"
    why=
    [ "$(id -u)" -eq 0 ] || why="needs root to run sendmail"
    [ -n "$why" ] || unshare --uts true 2>/dev/null || why="unshare --uts not permitted"
    [ -n "$why" ] || sm_unpack "$top_builddir/t/sendmail-bin" || why=$SM_WHY
    if [ -z "$why" ]; then
        sm_maps sm "$SMD"
        printf '%s\n' '3,0 bob@example.net' '3,0 bob@woodgrovebank.com' \
            '3,0 bob@a.tailspintoys.com' '3,0 bob@tailspin.example' \
            '.D{verify}NO' 'tls_rcpt bob@a.tailspintoys.com' \
            'tls_rcpt bob@tailspintoys.com' >"$T_DIR/bt.in"
        sm_run -C "$T_DIR/sm.cf" -bt <"$T_DIR/bt.in" >"$T_DIR/bt.out" 2>&1
        sed -n 's/^parse *returns: //p' "$T_DIR/bt.out" >"$T_DIR/parse.out"
        sed -n 's/^tls_rcpt *returns: //p' "$T_DIR/bt.out" >"$T_DIR/tls.out"
        p() { sed -n "${1}p" "$T_DIR/parse.out"; }
        is "$(p 1)" '$# esmtp $@ [ 192 . 0 . 2 . 25 ] $: bob < @ example . net . >' \
            "sendmail -bt: any domain to the smart host (SMART_HOST)"
        is "$(p 2)" '$# esmtp $@ woodgrovebank . com $: bob < @ woodgrovebank . com . >' \
            "sendmail -bt: the send-list domain by MX (mailertable)"
        is "$(p 3)" '$# esmtp $@ a . tailspintoys . com $: bob < @ a . tailspintoys . com . >' \
            "sendmail -bt: a name under .tailspintoys.com by its own MX"
        is "$(p 4)" '$# domsec587 $@ [ relay . contoso . com ] $: bob < @ tailspin . example . >' \
            "sendmail -bt: tailspin.example to relay.contoso.com with the port-587 mailer"
        t() { sed -n "${1}p" "$T_DIR/tls.out"; }
        is "$(t 1)" '$# error $@ 4 . 7 . 0 $: 454 " not authenticated"' \
            "TLS_Rcpt: a name under tailspintoys.com needs a verified server"
        is "$(t 2)" "OK" "TLS_Rcpt: tailspintoys.com itself (not listed) does not"
        SM_LIVE=1
    else
        for i in 1 2 3 4 5 6; do _tap 0 "# SKIP sendmail -bt: $why"; done
    fi
else
    _tap 0 "# SKIP m4 or sendmail-cf not installed"
    _tap 0 "# SKIP m4 or sendmail-cf not installed"
fi

# ---- Postfix loads what render wrote, and delivers through it --------------------------------
PATH=$PATH:/usr/sbin:/sbin
SWAKS=${SWAKS:-$(command -v swaks 2>/dev/null)}
live=
[ "$(id -u)" -eq 0 ] || live="needs root for a private Postfix"
[ -n "$live" ] || command -v postfix >/dev/null 2>&1 || live="postfix not installed"
[ -n "$live" ] || command -v smtp-sink >/dev/null 2>&1 || live="smtp-sink not installed"
[ -n "$live" ] || [ -n "$SWAKS" ] || live="swaks not installed"
[ -n "$live" ] || { id postfix && id nobody; } >/dev/null 2>&1 || live="no user postfix or nobody"
if [ -n "$live" ]; then
    _tap 0 "# SKIP live Postfix: $live"
    done_testing
fi
. "$top_srcdir/t/lib/postfix.sh"
chmod 755 "$T_DIR"
PFS=
SINK_PID=
cleanup_live() {
    for d in $PFS; do
        pf_stop "$d"
        pf_milter_stop "$d"
    done
    [ -z "$SINK_PID" ] || kill "$SINK_PID" 2>/dev/null
    rm -rf "$T_DIR"
}
trap cleanup_live EXIT

# accepted DESC RENDER_DIR: postfix check and postconf, clean
accepted() {
    local pf=$T_DIR/pf-$(basename "$2")
    pf_check_clean "$pf" "$2" >"$T_DIR/clean.out" 2>&1
    is "$?:$(cat "$T_DIR/clean.out")" "0:" \
        "$1: postfix check and postconf read it, not a warning"
}
accepted "every smart-host form" "$T_DIR/forms"

# an EC key from `openssl ecparam -genkey` (EC PARAMETERS before the key),
# key and certificate in one file: Postfix skips the parameters
openssl ecparam -name prime256v1 -genkey -out "$T_DIR/ecp.key" 2>/dev/null &&
    openssl req -new -x509 -key "$T_DIR/ecp.key" -subj /CN=mail.contoso.com \
        -days 400 -out "$T_DIR/ecp.crt" 2>/dev/null
cat "$T_DIR/ecp.key" "$T_DIR/ecp.crt" >"$T_DIR/ecp.pem"
chmod 600 "$T_DIR/ecp.pem"
conf "$T_DIR/ecp.conf" <<CONF
$(cert_section ecp "$T_DIR/ecp.pem" "$T_DIR/ecp.pem")
receive_connector "Inet" {
  fqdn = "mail.contoso.com"
  bindings = { "127.0.0.1:2525" }
}
CONF
dsp -c "$T_DIR/ecp.conf" render postfix --output "$T_DIR/ecp"
rc_is 0 "EC PARAMETERS, key, certificate in one file: rendered"
accepted "EC PARAMETERS, key, certificate in one file" "$T_DIR/ecp"
is "$(postmap -c "$T_DIR/pf-forms/etc" -q d.example "hash:$T_DIR/forms/transport")" \
    "domsec-ipv6:[ipv6:2001:db8::1]:25,[ipv6:2001:db8::2]:2527" "postmap -q reads the IPv6 next hop list"

# The live organisation: a relative -c, the key and certificate in one
# file, a default route through two smart hosts (the first one down), and
# one address space through "localhost:PORT".
PF=$T_DIR/live
IN=$(pf_free_port)
SINK=$(pf_free_port)
DEAD=$(pf_free_port)
mkdir -p "$T_DIR/org/etc" "$T_DIR/org/pki" "$PF"
cp "$P/combined.pem" "$T_DIR/org/pki/mail.pem"
cp "$T_DIR/partners.pem" "$T_DIR/org/pki/partners.pem"
cat >"$T_DIR/org/etc/domsec.conf" <<CONF
server {
  fqdn = "mail.contoso.test"
  trust_store = "../pki/partners.pem"
}
transport {
  partner_trust_store = "../pki/partners.pem"
}
certificate "combined" {
  cert = "../pki/mail.pem"
  key = "../pki/mail.pem"
}
receive_connector "Inet" {
  bindings = { "127.0.0.1:$IN" }
  fqdn = "mail.contoso.com"
}
send_connector "Outbound" {
  address_spaces = { "*" }
  dns_routing_enabled = false
  smart_hosts = { "[127.0.0.1]:$DEAD", "[127.0.0.1]:$SINK" }
  fqdn = "mail.contoso.com"
}
send_connector "Example Org" {
  address_spaces = { "example.org" }
  dns_routing_enabled = false
  smart_hosts = { "localhost:$SINK" }
  fqdn = "mail.contoso.com"
}
milter {
  socket = "unix:$PF/milter/milter.sock"
  socket_mode = "0666"
}
CONF
chmod 644 "$T_DIR/org/etc/domsec.conf" "$T_DIR/org/pki/partners.pem"
pf_base "$PF" contoso "contoso.test" || _tap 1 "private Postfix: base"
(cd "$T_DIR/org" && MAIL_CONFIG=$PF/etc "$DSP" -c etc/domsec.conf $AT render postfix \
    --output "$T_DIR/org/render" --postmap) >"$T_DIR/live.out" 2>"$T_DIR/live.err"
is "$?" 0 "relative -c etc/domsec.conf: render postfix --output --postmap exits 0"
hasnt "$T_DIR/org/render/master.cf" "../" "relative -c: no relative path in master.cf"
ok "relative -c: the absolute path; key and certificate in one file: listed once" \
    grep -qxF "  -o smtpd_tls_chain_files=$T_DIR/org/pki/mail.pem" "$T_DIR/org/render/master.cf"
is "$(grep -c '^default_transport = domsec-outbound:\[127.0.0.1\]:'"$DEAD"',\[127.0.0.1\]:'"$SINK"'$' "$T_DIR/org/render/main.cf")" 1 \
    "main.cf: the default route, \"[127.0.0.1]:PORT\" as written, both smart hosts in order"
pf_add_rendered "$PF" "$T_DIR/org/render" 2>"$T_DIR/check.err"
is "$?:$(cat "$PF/log/check.out")" "0:" "postfix check accepts main.cf/master.cf with the rendered lines, clean"
PFS=$PF
# loopback glue only: host names from /etc/hosts (no DNS here)
echo "smtp_host_lookup = native" >>"$PF/etc/main.cf"
mkdir -p "$T_DIR/sink" && chown postfix "$T_DIR/sink"
smtp-sink -u postfix -d "$T_DIR/sink/%M." "127.0.0.1:$SINK" 5 >"$T_DIR/sink.err" 2>&1 &
SINK_PID=$!
pf_milter_start "$PF" "$T_DIR/org/etc/domsec.conf" || _tap 1 "the milter starts"
pf_start "$PF" || _tap 1 "Postfix starts"

# STARTTLS with the certificate from the combined file
sha=$(openssl s_client -starttls smtp -connect "127.0.0.1:$IN" </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha1 2>/dev/null | sed 's/.*=//; s/://g')
is "$sha" "$(openssl x509 -in "$P/mail.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')" \
    "the listener presents the certificate from the one combined file"

send() { # NAME TO
    "$SWAKS" --server "127.0.0.1:$IN" --from alice@contoso.test --to "$2" \
        --helo client.example --h-Subject "mistakes $1" --timeout 20 >"$T_DIR/$1.out" 2>&1
    grep -qE '^<[-~] +250 2\.0\.0 Ok: queued' "$T_DIR/$1.out"
}
delivered() { # SUBJECT
    grep -lF "Subject: mistakes $1" "$T_DIR"/sink/* >/dev/null 2>&1
}
wait_for() { # SECONDS CMD...
    local t=$(($1 * 10))
    shift
    while ! "$@" && [ $t -gt 0 ]; do
        sleep 0.1
        t=$((t - 1))
    done
    "$@"
}
ok "a message to bob@example.net is accepted" send default bob@example.net
ok "... and delivered through [127.0.0.1]:PORT (after the smart host that is down)" \
    wait_for 30 delivered default
ok "a message to carol@example.org is accepted" send byname carol@example.org
ok "... and delivered through localhost:PORT, rendered [localhost]:PORT" \
    wait_for 30 delivered byname
grep -E "to=<bob@example.net>.*relay=127.0.0.1\[127.0.0.1\]:$SINK.*status=sent" \
    "$PF/log/maillog" >/dev/null
is "$?" 0 "the log: bob's message sent through 127.0.0.1:$SINK"
grep -E "valid hostname or network address required|transport is unavailable" \
    "$PF/log/maillog" >/dev/null
is "$?" 1 "the log: no next-hop syntax error, no throttled transport"

# ---- Sendmail delivers through the rendered routes too -------------------------------------------
# The same smart hosts on a port other than 25, rendered for Sendmail:
# SMART_HOST and a mailertable entry through a mailer of its own
# ("A=TCP $h PORT"), the Sendmail binary delivering (-odi) to smtp-sink.
if [ -n "${SM_LIVE:-}" ]; then
    cat >"$T_DIR/sm-live.conf" <<CONF
server {
  fqdn = "mail.contoso.test"
  trust_store = "$P/ca.pem"
}
$(cert_section mail "$P/mail.pem" "$P/mail.key")
send_connector "Outbound" {
  address_spaces = { "*" }
  dns_routing_enabled = false
  smart_hosts = { "[127.0.0.1]:$SINK" }
  fqdn = "mail.contoso.com"
}
send_connector "Example Org" {
  address_spaces = { "example.org" }
  dns_routing_enabled = false
  smart_hosts = { "localhost:$SINK" }
  fqdn = "mail.contoso.com"
}
CONF
    SML=$T_DIR/sm-live
    dsp -c "$T_DIR/sm-live.conf" $AT render sendmail --output "$SML"
    rc_is 0 "Sendmail, smart hosts on a port other than 25: render sendmail exits 0"
    has "$SML/domsec.mc" "A=TCP \$h $SINK" "... a mailer for that port"
    has "$SML/domsec.mc" "define(\`SMART_HOST', \`domsec$SINK:[127.0.0.1]')dnl" \
        "... SMART_HOST through it"
    is "$(awk '$1 == "example.org" { print $2 }' "$SML/mailertable")" "domsec$SINK:[localhost]" \
        "... and the mailertable entry for example.org"
    sm_cf sm-live "$SML"
    sm_maps sm-live "$SML"
    sm_send() { # NAME TO
        printf 'From: alice@contoso.test\nTo: %s\nSubject: mistakes %s\n\nhello\n' "$2" "$1" |
            sm_run -C "$T_DIR/sm-live.cf" -odi -oi -f alice@contoso.test "$2" \
                >"$T_DIR/$1.out" 2>&1
    }
    sm_send sm-default bob@example.net
    is "$?" 0 "Sendmail: a message to bob@example.net is delivered at once (-odi)"
    ok "... through SMART_HOST to [127.0.0.1]:$SINK (smtp-sink has it)" delivered sm-default
    sm_send sm-byname carol@example.org
    is "$?" 0 "Sendmail: a message to carol@example.org is delivered at once"
    ok "... through the mailertable entry to localhost:$SINK" delivered sm-byname
    is "$(cd "$T_DIR/sm-live-run/queue" && find . -name 'qf*' | wc -l)" 0 \
        "Sendmail: nothing left in its queue"
else
    for i in 1 2 3 4 5 6 7 8 9; do _tap 0 "# SKIP live Sendmail: ${why:-m4 or sendmail-cf not installed}"; done
fi

# ---- every other configuration above that renders: Postfix accepts it too ---------------------
dsp -c "$T_DIR/anon.conf" $AT render postfix --output "$T_DIR/anon"
accepted "exchange_server (anonymous TLS not rendered)" "$T_DIR/anon"

done_testing
