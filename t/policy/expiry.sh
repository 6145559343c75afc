#!/bin/sh
# expiry.sh - expired STARTTLS certificates (event 12016: a warning and
# still used under the 2016 rules, an error and STARTTLS not advertised
# under 2007), certificates that expire soon (12018), and lint's expiry
# forecast (--days N, default 60) with what happens after.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

pki_init "$T_DIR/pki"
P=$PKI_DIR
pki_ca root "/O=Contoso/CN=Contoso Root CA" self \
    start=20200101000000Z end=20400101000000Z
leaf() { # NAME HOST ISSUER START END
    pki_cert "$1" "/O=Contoso/CN=$2" "$3" san=DNS:$2 start=$4 end=$5
}
leaf cur mail.contoso.com root 20260101000000Z 20260620000000Z
leaf succ mail.contoso.com root 20260610000000Z 20270610000000Z
leaf exp exp.contoso.com root 20250101000000Z 20260101000000Z
leaf ss exp.contoso.com self 20260101000000Z 20300101000000Z
leaf mid mid.contoso.com root 20260101000000Z 20260716000000Z
leaf stale stale.contoso.com root 20240101000000Z 20250101000000Z

conf() { # RULES
    {
        printf 'server {\n  fqdn = "mail1.contoso.com"\n'
        printf '  trust_store = "%s/root.pem"\n' "$P"
        printf '  selection_rules = "%s"\n}\n' "$1"
        for c in cur succ exp ss mid stale; do
            printf 'certificate "%s" {\n  cert = "%s/%s.pem"\n' "$c" "$P" "$c"
            printf '  key = "%s/%s.key"\n}\n' "$P" "$c"
        done
        printf 'receive_connector "Inet" {\n  fqdn = "mail.contoso.com"\n}\n'
        printf 'receive_connector "Exp" {\n  fqdn = "exp.contoso.com"\n}\n'
        printf 'receive_connector "Mid" {\n  fqdn = "mid.contoso.com"\n}\n'
    } >"$T_DIR/domsec.conf"
}
C="-c $T_DIR/domsec.conf"
r() { echo ".results[] | select(.connector == \"$1\") | $2"; }

conf 2016
dsp $C --at 2026-06-01 select --json
rc_is 0 "2016: warnings only, select exits 0"
jqis "$(r Exp .selected.certificate)" exp \
    "2016: an expired CA-issued certificate still counts as PKI and wins"
jqis "$(r Exp .advertise)" true "2016: expired certificate: still advertised"
jqis "$(r Exp .selected.expired)" true "selected.expired is true"
jqis "$(r Exp .selected.pki_valid)" true "expired leaf is still valid PKI"
jqis "$(r Exp '.events[0].id')" 12016 "expired STARTTLS certificate: 12016"
jqis "$(r Exp '.events[0].severity')" warning "2016: 12016 is a warning"
jqis "$(r Exp .selected.not_after)" 2026-01-01T00:00:00Z "selected.not_after"
jqis "$(r Exp .selected.not_before)" 2025-01-01T00:00:00Z "selected.not_before"
jqis "$(r Inet '.events[0].id')" 12018 "expires in 19 days: 12018"
jqis "$(r Inet '.events[0].severity')" warning "12018 is a warning"
jqis "$(r Inet '.events[0].text')" \
    "the STARTTLS certificate \"cur\" ($(pki_thumbprint cur)) for the connector Inet expires on 2026-06-20T00:00:00Z, in 19 days (warning window: 30 days)" \
    "12018: the text"
jqis "$(r Inet .selected.expired)" false "not expired: selected.expired false"
jqis "$(r Mid '.events | length')" 0 "45 days left: outside the 30-day window"

conf 2007
dsp $C --at 2026-06-01 select --json
rc_is 1 "2007: expired certificate: select exits 1"
jqis "$(r Exp .advertise)" false "2007: expired certificate: not advertised"
jqis "$(r Exp '.events[0].id')" 12016 "2007: 12016"
jqis "$(r Exp '.events[0].severity')" error "2007: 12016 is an error"
jqis "$(r Exp .selected)" null "2007: nothing selected"
jqis "$(r Exp "[.candidates[] | select(.thumbprint == \"$(pki_thumbprint exp)\")][0].reasons[0]")" \
    "expired on 2026-01-01T00:00:00Z (2007 rules: not used)" \
    "2007: the expired candidate says why"

conf 2016
dsp $C --at 2026-06-15 select --json Inet
jqis "$(r Inet .selected.certificate)" succ \
    "--at later: the newer certificate has become valid and wins"

dsp $C --at 2026-06-01 lint --json
jqis '.days' 60 "lint: default forecast 60 days"
jqis '.findings[] | select(.event == 12018 and .connector == "Inet") | .hint' \
    "renew it before 2026-06-20T00:00:00Z; after 2026-06-20T00:00:00Z, certificate \"succ\" ($(pki_thumbprint succ)) takes over" \
    "lint: forecast names the certificate that takes over"
jqis '.findings[] | select(.certificate == "mid") | .text' \
    "certificate \"mid\", used by receive connector Mid (starttls), expires on 2026-07-16T00:00:00Z, in 45 days" \
    "lint: expiry within 60 days is reported"
jqis '.findings[] | select(.certificate == "mid") | .hint' \
    "renew it before 2026-07-16T00:00:00Z; after 2026-07-16T00:00:00Z the expired certificate is still presented (event 12016)" \
    "lint: forecast for a certificate without successor"
jqis '.findings[] | select(.certificate == "stale") | .text' \
    "certificate \"stale\" expired on 2025-01-01T00:00:00Z; no connector uses it" \
    "lint: an expired certificate nobody uses"
jqis '.errors' 0 "lint: warnings only: no error"
dsp $C --at 2026-06-01 lint
rc_is 0 "lint: warnings only: exit 0"
dsp $C --at 2026-06-01 lint --days 30 --json
jqis '[.findings[] | select(.certificate == "mid")] | length' 0 \
    "lint --days 30: 45 days left is not reported"
jqis '.days' 30 "lint --days is echoed"

done_testing
