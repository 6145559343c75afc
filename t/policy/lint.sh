#!/bin/sh
# lint.sh - what lint finds besides expiry and tls_certificate_name:
# domain security that cannot work, connectors without TLS, certificates
# that carry a connector's name but cannot be used, and load warnings; its
# exit status and its JSON (each finding with its code). What the
# configuration layer finds (an unreadable partner_trust_store, a send
# list no connector carries) makes lint exit 78, as check-config.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

pki_init "$T_DIR/pki"
P=$PKI_DIR
D="start=20260101000000Z end=20280101000000Z"
pki_ca root "/CN=Root" self start=20200101000000Z end=20400101000000Z
pki_ca rogue "/CN=Rogue" self start=20200101000000Z end=20400101000000Z
pki_cert good "/CN=mail.contoso.com" root san=DNS:mail.contoso.com $D
pki_cert nokey "/CN=mail.contoso.com" root san=DNS:mail.contoso.com $D
pki_cert iis "/CN=mail.contoso.com" root san=DNS:mail.contoso.com $D
# older than "good": the selection never looks at it, lint must
pki_cert untr "/CN=mail.contoso.com" rogue san=DNS:mail.contoso.com \
    start=20251201000000Z end=20280101000000Z
cat "$P/root.pem" >"$T_DIR/partners.pem"

conf() { # FILE, then the sections on stdin after the common part
    {
        printf 'server {\n  fqdn = "mail1.contoso.com"\n'
        printf '  trust_store = "%s/root.pem"\n}\n' "$P"
        printf 'certificate "good" {\n  cert = "%s/good.pem"\n' "$P"
        printf '  key = "%s/good.key"\n}\n' "$P"
        cat
    } >"$1"
}

# a clean configuration
conf "$T_DIR/clean.conf" <<CONF
transport {
  tls_receive_domain_secure_list = { "woodgrovebank.com" }
  tls_send_domain_secure_list = { "woodgrovebank.com" }
  partner_trust_store = "$T_DIR/partners.pem"
}
receive_connector "Inet" {
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
}
send_connector "Internet" {
  address_spaces = { "*" }
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
}
CONF
dsp -c "$T_DIR/clean.conf" --at 2026-06-01 lint
rc_is 0 "clean configuration: lint exits 0"
has "$OUT" "lint: 0 error(s), 0 warning(s) at 2026-06-01T00:00:00Z, expiry forecast 60 days" \
    "clean configuration: nothing found"

# domain security that cannot work
conf "$T_DIR/ds.conf" <<CONF
transport {
  tls_receive_domain_secure_list = { "woodgrovebank.com" }
}
receive_connector "Partners" {
  fqdn = "partners.contoso.com"
  domain_secure_enabled = true
}
send_connector "Internet" {
  address_spaces = { "*" }
  fqdn = "nocert.contoso.com"
  domain_secure_enabled = true
}
receive_connector "Plain" {
  auth_mechanism = { "none" }
}
CONF
dsp -c "$T_DIR/ds.conf" --at 2026-06-01 lint --json
rc_is 1 "lint: errors: exit 1"
f() { echo "[.findings[] | select(.text | contains(\"$1\"))]"; }
jqis "$(f 'receive connector Partners has domain security but no STARTTLS certificate') | .[0].severity" \
    error "domain-secure receive connector without certificate: error"
jqis "$(f 'receive connector Partners has domain security') | .[0].line" 12 \
    "... at the connector's line"
jqis "$(f 'partner_trust_store is not set') | .[0].severity" error \
    "partner_trust_store unset with domain security: error"
jqis "$(f 'send connector Internet has domain security but no client certificate') | .[0].severity" \
    error "domain-secure send connector without client certificate: error"
jqis "$(f 'partner_trust_store is not set') | .[0].code" partner-cas-unset \
    "... its code"
jqis "$(f 'receive connector Plain offers no TLS') | .[0].severity" warning \
    "receive connector without TLS: warning"
jqis "$(f 'receive connector Plain offers no TLS') | .[0].code" no-tls \
    "... its code"
jqis "[.findings[] | select(.event == 12014)] | map(.connector) | join(\",\")" \
    "Partners,Internet" "connectors without certificate: event 12014 each"
jqis '.findings[0] | keys_unsorted | join(",")' \
    "severity,event,connector,certificate,file,line,text,hint,code" \
    "lint --json: the finding's fields (code last)"
jqis "[.findings[] | select(.event == 12014) | .code] | unique | join(\",\")" \
    no-certificate "event 12014 is code no-certificate"
jqis ".errors" 5 "lint --json: errors counted"

sed "s|^transport {|transport {\n  partner_trust_store = \"$T_DIR/none.pem\"|" \
    "$T_DIR/ds.conf" >"$T_DIR/ds2.conf"
dsp -c "$T_DIR/ds2.conf" --at 2026-06-01 lint
rc_is 78 "unreadable partner_trust_store: a configuration error, exit 78"
has "$ERR" "error: transport: partner_trust_store: $T_DIR/none.pem: cannot read it: No such file or directory [partner-cas-unreadable]" \
    "... named with the file and the reason"

# lists without connectors, connectors without lists
conf "$T_DIR/lists.conf" <<CONF
transport {
  tls_send_domain_secure_list = { "woodgrovebank.com" }
  tls_receive_domain_secure_list = { "woodgrovebank.com" }
}
receive_connector "Inet" {
  fqdn = "mail.contoso.com"
}
CONF
dsp -c "$T_DIR/lists.conf" --at 2026-06-01 lint
rc_is 78 "a send-list domain without a domain-secure connector: a configuration error, exit 78"
has "$ERR" "tls_receive_domain_secure_list lists 1 domain(s), but no receive connector has domain_secure_enabled" \
    "receive list without a domain-secure connector: warning"
has "$ERR" "error: woodgrovebank.com is on tls_send_domain_secure_list, but no send connector with domain_secure_enabled covers it: mail to it is not domain-secured" \
    "send list without a domain-secure connector: error per domain"
conf "$T_DIR/nolist.conf" <<CONF
transport {
  partner_trust_store = "$T_DIR/partners.pem"
}
receive_connector "Inet" {
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
}
CONF
dsp -c "$T_DIR/nolist.conf" --at 2026-06-01 lint
has "$OUT" "tls_receive_domain_secure_list is empty: nothing is enforced" \
    "domain-secure connector with an empty list: warning"

# certificates that carry the name but cannot be used
conf "$T_DIR/cands.conf" <<CONF
certificate "nokey" {
  cert = "$P/nokey.pem"
}
certificate "iis" {
  cert = "$P/iis.pem"
  key = "$P/iis.key"
  services = { "iis" }
}
certificate "untr" {
  cert = "$P/untr.pem"
  key = "$P/untr.key"
}
receive_connector "Inet" {
  fqdn = "mail.contoso.com"
}
CONF
chmod 644 "$P/iis.key"
dsp -c "$T_DIR/cands.conf" --at 2026-06-01 lint --json
rc_is 0 "unusable candidates are warnings: exit 0"
jqis "$(f 'certificate \"nokey\" is a candidate for receive connector Inet (starttls) but is not eligible: no private key') | .[0].hint" \
    'add key = "..." to certificate "nokey": the private key made with its request' \
    "certificate without key matching a connector: warning with hint"
jqis "$(f 'certificate \"iis\" is a candidate') | .[0].hint" \
    "add \"smtp\" to its services (Enable-ExchangeCertificate -Services SMTP)" \
    "certificate not enabled for SMTP: warning with hint"
jqis "$(f 'certificate \"untr\" is a candidate for receive connector Inet (starttls) but is never chosen: untrusted issuer') | length" \
    1 "CA-issued certificate with an untrusted issuer: warning"
jqis "$(f "key file $P/iis.key is readable by group and others") | .[0].severity" \
    warning "lint reports the key permission warning as a finding"
is "$(cat "$ERR")" "" "lint: load warnings are findings, not stderr"
chmod 600 "$P/iis.key"

done_testing
