#!/bin/sh
# internal.sh - anonymous TLS (X-ANONYMOUSTLS inbound, exchange_server
# smart host authentication outbound) and the internal transport
# certificate: events 12012, 12013, 12015, 12017 and, under the 2007
# rules, 1037.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

pki_init "$T_DIR/pki"
P=$PKI_DIR
pki_ca root "/O=Contoso/CN=Contoso Root CA" self \
    start=20200101000000Z end=20400101000000Z
SAN=san=DNS:mail1,DNS:mail1.contoso.com
pki_cert internal "/CN=mail1" self $SAN \
    start=20250101000000Z end=20300101000000Z
pki_cert expired "/CN=mail1" self $SAN \
    start=20240101000000Z end=20250601000000Z
pki_cert soon "/CN=mail1" self $SAN \
    start=20250101000000Z end=20260620000000Z
pki_cert best "/O=Contoso/CN=mail1.contoso.com" root $SAN \
    start=20260201000000Z end=20270201000000Z
pki_cert nokey "/CN=mail1.contoso.com" self $SAN \
    start=20250101000000Z end=20300101000000Z

conf() { # RULES INTERNAL-NAME|"" [EXTRA-SERVER-LINE]
    {
        printf 'server {\n  fqdn = "mail1.contoso.com"\n'
        printf '  trust_store = "%s/root.pem"\n' "$P"
        printf '  selection_rules = "%s"\n' "$1"
        [ -z "$2" ] ||
            printf '  internal_certificate = "%s"\n' "$(pki_thumbprint "$2")"
        printf '%s\n}\n' "${3-}"
        for c in internal expired soon best; do
            printf 'certificate "%s" {\n  cert = "%s/%s.pem"\n' "$c" "$P" "$c"
            printf '  key = "%s/%s.key"\n}\n' "$P" "$c"
        done
        printf 'certificate "nokey" {\n  cert = "%s/nokey.pem"\n}\n' "$P"
        printf 'receive_connector "Internal" {\n'
        printf '  auth_mechanism = { "exchange_server" }\n}\n'
        printf 'receive_connector "Inet" { }\n'
        printf 'send_connector "ToEdge" {\n  dns_routing_enabled = false\n'
        printf '  smart_hosts = { "edge.contoso.com" }\n'
        printf '  smart_host_auth_mechanism = { "exchange_server" }\n}\n'
        printf 'send_connector "Internet" {\n  address_spaces = { "*" }\n}\n'
    } >"$T_DIR/domsec.conf"
}
C="-c $T_DIR/domsec.conf --at 2026-06-01"
a() { echo ".results[] | select(.connector == \"$1\" and .kind == \"anonymous\") | $2"; }

conf 2016 ""
dsp $C select --json
rc_is 1 "internal_certificate unset: select exits 1"
jqis "$(a Internal .advertise)" false "12012: X-ANONYMOUSTLS not advertised"
jqis "$(a Internal '.events[0].id')" 12012 "unset internal_certificate: 12012"
jqis "$(a Internal '.events[0].severity')" error "12012 is an error"
jqis "$(a Internal .name)" null "unset internal_certificate: name is null"
jqis "$(a ToEdge '.events[0].id')" 12012 "outbound anonymous TLS: 12012 too"
jqis '[.results[] | select(.connector == "Inet") | .kind] | join(",")' \
    starttls "no exchange_server on the connector: no anonymous result"
jqis '[.results[] | select(.connector == "Internet") | .kind] | join(",")' \
    starttls "no exchange_server smart host auth: no outbound anonymous"
jqis '[.results[] | select(.connector == "ToEdge") | .direction] | unique | join(",")' \
    send "send connector results have direction send"
dsp $C lint --json
jqis '[.findings[] | select(.event == 12012) | .severity] | unique | join(",")' \
    error "lint: 12012 is an error"
jqis '[.findings[] | select(.event == 12012)][0].line' 1 \
    "lint: 12012 points at the server section"

conf 2016 best
dsp $C --without "$(pki_thumbprint best)" select --json Internal
jqis "$(a Internal '.events[0].id')" 12013 "internal certificate not in the store: 12013"
jqis "$(a Internal '.events[0].text')" \
    "the internal transport certificate $(pki_thumbprint best) was not found in the certificate store; X-ANONYMOUSTLS is not advertised for the connector Internal" \
    "12013: the text"
jqis "$(a Internal .advertise)" false "12013: not advertised"

conf 2016 nokey
dsp $C select --json Internal
jqis "$(a Internal '.events[0].id')" 12013 "internal certificate without key: 12013"
jqis "$(a Internal '.candidates[0].reasons[0]')" "no private key" \
    "internal certificate without key: the reason"

conf 2016 internal
dsp $C select --json Internal ToEdge
rc_is 0 "internal certificate found: select exits 0"
jqis "$(a Internal .selected.certificate)" internal "X-ANONYMOUSTLS uses it"
jqis "$(a Internal .name)" "$(pki_thumbprint internal)" \
    "name is the internal thumbprint"
jqis "$(a ToEdge .selected.certificate)" internal \
    "outbound anonymous TLS uses it"
jqis "$(a Internal '.events | length')" 0 "valid internal certificate: no event"

conf 2016 expired
dsp $C select --json Internal
rc_is 0 "expired internal certificate: still advertised, exit 0"
jqis "$(a Internal '.events[0].id')" 12015 "expired internal certificate: 12015"
jqis "$(a Internal '.events[0].severity')" warning "12015 is a warning"
jqis "$(a Internal .selected.certificate)" expired "12015: still used"
jqis "$(a Internal .selected.expired)" true "selected.expired"

conf 2016 soon
dsp $C select --json Internal
jqis "$(a Internal '.events[0].id')" 12017 "internal certificate expires in 19 days: 12017"
jqis "$(a Internal '.events[0].severity')" warning "12017 is a warning"
conf 2016 soon "  expiry_warning_days = 10"
dsp $C select --json Internal
jqis "$(a Internal '.events | length')" 0 \
    "expiry_warning_days = 10: 19 days left is no 12017"

conf 2007 internal
dsp $C select --json Internal
rc_is 0 "2007: 1037 is only a warning"
jqis "$(a Internal '.events[0].id')" 1037 \
    "2007: a newer certificate for the domain list: 1037"
jqis "$(a Internal '.events[0].severity')" warning "1037 is a warning"
jqis "$(a Internal .selected.certificate)" internal \
    "1037: X-ANONYMOUSTLS still uses the internal certificate"
jqis "$(a Internal "[.candidates[] | select(.thumbprint == \"$(pki_thumbprint best)\")][0].reasons[0]")" \
    "best certificate for the domain list, but X-ANONYMOUSTLS uses the internal certificate (event 1037)" \
    "1037: the best certificate is a candidate, with the reason"
dsp $C explain Internal
has "$OUT" "step 6: domain list (fqdn, host name, physical fqdn, physical host name): mail1.contoso.com, mail1" \
    "2007: explain shows the domain list"
conf 2007 best
dsp $C select --json Internal
jqis "$(a Internal '.events | length')" 0 \
    "2007: the internal certificate is the best one: no 1037"
conf 2016 internal
dsp $C select --json Internal
jqis "$(a Internal '[.events[].id] | join(",")')" "" "2016 rules: no 1037"
dsp $C lint
hasnt "$OUT" "CA-issued and valid for only" \
    "lint: a self-signed internal certificate is fine"
conf 2016 best
dsp $C lint --json
jqis '[.findings[] | select(.text | contains("is CA-issued and valid for only 365 days")) | .severity] | join(",")' \
    warning "lint: a short-lived CA-issued internal certificate is a warning"

done_testing
