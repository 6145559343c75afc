#!/bin/sh
# lint-outbound.sh - outbound Domain Security: every domain on
# tls_send_domain_secure_list must leave through a domain-secure send
# connector (by address_spaces: "*", "d", "*.d": a configuration error,
# check-config and lint exit 78, lint --json lists it with its code); a
# domain-secure send connector routes by DNS and needs a client
# certificate that carries its name (through smart hosts: a configuration
# error; a certificate without its name: lint errors, render refuses); and
# the receive list needs a domain-secure receive connector (a warning).
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

pki_init "$T_DIR/pki"
P=$PKI_DIR
D="start=20260101000000Z end=20280101000000Z"
pki_ca root "/CN=Root" self start=20200101000000Z end=20400101000000Z
pki_cert mail "/O=Contoso/CN=mail.contoso.com" root san=DNS:mail.contoso.com $D
pki_cert other "/O=Contoso/CN=relay.contoso.com" root san=DNS:relay.contoso.com $D
pki_cert self "/O=Contoso/CN=mail.contoso.com" self san=DNS:mail.contoso.com $D
cat "$P/root.pem" >"$T_DIR/partners.pem"

conf() { # FILE SEND_LIST, then the connectors on stdin
    {
        printf 'server {\n  fqdn = "mail1.contoso.com"\n'
        printf '  trust_store = "%s/root.pem"\n}\n' "$P"
        printf 'transport {\n  tls_send_domain_secure_list = { %s }\n}\n' "$2"
        printf 'certificate "mail" {\n  cert = "%s/mail.pem"\n' "$P"
        printf '  key = "%s/mail.key"\n}\n' "$P"
        printf 'certificate "other" {\n  cert = "%s/other.pem"\n' "$P"
        printf '  key = "%s/other.key"\n}\n' "$P"
        cat
    } >"$1"
}
C="--at 2026-06-01 lint --json"
f() { echo "[.findings[] | select(.text | contains(\"$1\"))]"; }

# covered: "*", an exact space, "*.d" for d and for ".d"
conf "$T_DIR/ok.conf" '"woodgrovebank.com", "fabrikam.com", ".tailspin.example", "tailspin.example"' <<CONF
send_connector "Partners" {
  address_spaces = { "woodgrovebank.com", "*.fabrikam.com", "*.tailspin.example" }
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
}
CONF
dsp -c "$T_DIR/ok.conf" $C
rc_is 0 "every send-list domain covered: exit 0"
jqis "$(f 'tls_send_domain_secure_list') | length" 0 "... nothing about the send list"

# not covered: an exact space never covers names under it; a plain
# connector carries the rest
conf "$T_DIR/gap.conf" '"woodgrovebank.com", ".woodgrovebank.com", "fabrikam.com"' <<CONF
send_connector "Partners" {
  address_spaces = { "woodgrovebank.com" }
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
}
send_connector "Internet" {
  address_spaces = { "*" }
  fqdn = "mail.contoso.com"
}
CONF
dsp -c "$T_DIR/gap.conf" $C
rc_is 78 "a send-list domain no domain-secure connector covers: a configuration error, exit 78"
jqis "$(f 'fabrikam.com is on tls_send_domain_secure_list') | .[0].code" send-domain-uncovered \
    "... lint --json gives its code"
jqis "$(f '.woodgrovebank.com is on tls_send_domain_secure_list') | .[0].severity" error \
    "'.woodgrovebank.com' (names under it) not covered by the exact space: error"
jqis "$(f 'fabrikam.com is on tls_send_domain_secure_list') | .[0].text" \
    "fabrikam.com is on tls_send_domain_secure_list, but no send connector with domain_secure_enabled covers it (it leaves through send connector Internet): mail to it is not domain-secured" \
    "the error names the connector the domain leaves through"
jqis "$(f 'fabrikam.com is on tls_send_domain_secure_list') | .[0].hint" \
    'add "fabrikam.com" (or "*") to the address_spaces of a domain-secure send connector' \
    "... and the fix"
jqis "$(f '.woodgrovebank.com is on') | .[0].hint" \
    'add "*.woodgrovebank.com" (or "*") to the address_spaces of a domain-secure send connector' \
    "... for names under a domain: the wildcard space"
jqis "$(f 'fabrikam.com is on') | .[0].line" 6 "... at the list's line"
jqis "$(f 'woodgrovebank.com is on tls_send') | map(select(.text | startswith(\"woodgrovebank.com\"))) | length" 0 \
    "the exactly covered domain is fine"
dsp -c "$T_DIR/gap.conf" check-config --json
rc_is 78 "check-config reports it too: exit 78"
jqis '[.errors[].code] | unique | join(",")' send-domain-uncovered \
    "check-config --json: the same code"

# a domain-secure connector whose certificate does not carry its name
conf "$T_DIR/name.conf" '"woodgrovebank.com"' <<CONF
send_connector "Internet" {
  address_spaces = { "*" }
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
  tls_certificate_name = "<I>CN=Root<S>CN=relay.contoso.com, O=Contoso"
}
CONF
dsp -c "$T_DIR/name.conf" $C
rc_is 1 "client certificate without the connector's name: exit 1"
jqis "$(f 'does not carry the connector') | .[0].text" \
    "send connector Internet has domain security, but its client certificate \"other\" (CN=relay.contoso.com, O=Contoso) does not carry the connector's name mail.contoso.com: partners cannot match it" \
    "... the error says which certificate and which name"
jqis "$(f 'does not carry the connector') | .[0].certificate" other "... about that certificate"

# a self-signed client certificate: a warning
conf "$T_DIR/self.conf" '"woodgrovebank.com"' <<CONF
certificate "self" {
  cert = "$P/self.pem"
  key = "$P/self.key"
}
send_connector "Internet" {
  address_spaces = { "*" }
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
  tls_certificate_name = "<I>CN=mail.contoso.com, O=Contoso<S>CN=mail.contoso.com, O=Contoso"
}
CONF
dsp -c "$T_DIR/self.conf" $C
jqis "$(f 'self-signed client certificate') | .[0].severity" warning \
    "self-signed client certificate on a domain-secure connector: warning"

# no client certificate, receive list without a connector
conf "$T_DIR/bad.conf" '"woodgrovebank.com"' <<CONF
send_connector "Internet" {
  address_spaces = { "*" }
  fqdn = "nocert.contoso.com"
  domain_secure_enabled = true
}
CONF
sed -i 's|^transport {|transport {\n  tls_receive_domain_secure_list = { "woodgrovebank.com" }|' "$T_DIR/bad.conf"
dsp -c "$T_DIR/bad.conf" $C
rc_is 1 "lint errors (not configuration errors): exit 1"
jqis "$(f 'send connector Internet has domain security but no client certificate') | .[0].severity" \
    error "domain-secure send connector without a client certificate: error"
jqis "$(f 'send connector Internet has domain security but no client certificate') | .[0].code" \
    domain-secure-no-client-certificate "... its code"
jqis "$(f 'tls_receive_domain_secure_list lists 1 domain(s), but no receive connector has domain_secure_enabled') | .[0].severity" \
    warning "receive list without a domain-secure receive connector: warning"
jqis "$(f 'tls_receive_domain_secure_list lists 1 domain(s)') | .[0].code" \
    receive-list-unused "... its code (from the configuration layer)"

# a domain-secure connector through smart hosts: Exchange refuses it (the
# mail must go straight to the partner); a configuration error, so
# check-config, lint and render all refuse it with the same code
conf "$T_DIR/relay.conf" '"woodgrovebank.com"' <<CONF
send_connector "Relay" {
  address_spaces = { "woodgrovebank.com" }
  dns_routing_enabled = false
  smart_hosts = { "relay.contoso.com" }
  fqdn = "mail.contoso.com"
  domain_secure_enabled = true
}
CONF
dsp -c "$T_DIR/relay.conf" check-config --json
rc_is 78 "domain-secure send connector through smart hosts: check-config exits 78"
jqis '[.errors[].code] | join(",")' domain-secure-smart-host \
    "... with its code, and no other error (the connector covers the send list)"
jqis '.errors[0].line' 16 "... at the connector's line"
jqis '.errors[0].text' \
    "send connector Relay has domain security but routes through smart hosts: domain-secured mail must go straight to the partner (DNS routing)" \
    "... saying why"
jqis '.errors[0].hint' \
    "set dns_routing_enabled = true and remove smart_hosts, or use another connector for partners" \
    "... and the fix"
dsp -c "$T_DIR/relay.conf" $C
rc_is 78 "... lint exits 78 as for any configuration error"
jqis "$(f 'routes through smart hosts') | .[0].code" domain-secure-smart-host \
    "... and lists it with the same code"
dsp -c "$T_DIR/relay.conf" --at 2026-06-01 render postfix --output "$T_DIR/never"
rc_is 78 "... render refuses it (exit 78)"
has "$ERR" "[domain-secure-smart-host]" "... with the same code"
ok "... and writes nothing" test ! -e "$T_DIR/never"

done_testing
