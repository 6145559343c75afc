#!/bin/sh
# eligibility.sh - which certificates may be chosen for a name: X.509 v3,
# a private key, the name in the subject CN or a SAN dNSName (a wildcard
# covers one label), SMTP enabled, already valid (--at moves the clock).
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

pki_init "$T_DIR/pki"
P=$PKI_DIR
Y26="start=20260101000000Z end=20270101000000Z"
pki_ca root "/O=Contoso/CN=Contoso Root CA" self \
    start=20200101000000Z end=20400101000000Z
pki_cert good "/C=US/O=Contoso/CN=mail.contoso.com" root \
    san=DNS:mail.contoso.com $Y26
pki_cert v1 "/O=Contoso/CN=v1.contoso.com" root v1 $Y26
pki_cert nokey "/CN=nokey.contoso.com" root san=DNS:nokey.contoso.com $Y26
pki_cert nosmtp "/CN=nosmtp.contoso.com" root \
    san=DNS:nosmtp.contoso.com $Y26
pki_cert future "/CN=future.contoso.com" root \
    san=DNS:future.contoso.com start=20260901000000Z end=20270901000000Z
pki_cert wild "/CN=Contoso wildcard" root san=DNS:*.wild.contoso.com $Y26
pki_cert cnonly "/CN=cn.contoso.com" root san=DNS:san.contoso.com $Y26

conn() { # NAME FQDN
    printf 'receive_connector "%s" {\n  fqdn = "%s"\n}\n' "$1" "$2"
}
cert() { # NAME [KEY] [SERVICES]
    printf 'certificate "%s" {\n  cert = "%s/%s.pem"\n' "$1" "$P" "$1"
    [ "${2-yes}" = no ] || printf '  key = "%s/%s.key"\n' "$P" "$1"
    [ -z "${3-}" ] || printf '  services = { %s }\n' "$3"
    echo "}"
}
{
    printf 'server {\n  fqdn = "mail1.contoso.com"\n'
    printf '  trust_store = "%s/root.pem"\n}\n' "$P"
    cert good
    cert v1
    cert nokey no
    cert nosmtp yes '"iis", "imap"'
    cert future
    cert wild
    cert cnonly
    conn Good mail.contoso.com
    conn V1 v1.contoso.com
    conn NoKey nokey.contoso.com
    conn NoSmtp nosmtp.contoso.com
    conn Future future.contoso.com
    conn Wild1 a.wild.contoso.com
    conn Wild2 a.b.wild.contoso.com
    conn Wild3 wild.contoso.com
    conn Partial awild.contoso.com
    conn CN cn.contoso.com
    conn SAN san.contoso.com
    conn Nothing other.example
} >"$T_DIR/domsec.conf"
C="-c $T_DIR/domsec.conf"

r() { echo ".results[] | select(.connector == \"$1\") | $2"; }

dsp $C --at 2026-06-01 select --json
rc_is 1 "select exits 1 when a connector cannot advertise STARTTLS"
jqis "$(r Good .advertise)" true "eligible certificate: STARTTLS advertised"
jqis "$(r Good .selected.certificate)" good "eligible certificate is selected"
jqis "$(r Good .name)" mail.contoso.com "name is the connector's fqdn"

jqis "$(r V1 .advertise)" false "X.509 v1 certificate: not advertised"
jqis "$(r V1 '.candidates[0].eligible')" false "X.509 v1: not eligible"
jqis "$(r V1 '.candidates[0].reasons[0]')" \
    "X.509 v1 certificate (v3 or later required)" "X.509 v1: the reason"
jqis "$(r V1 '.events[0].id')" 12014 "X.509 v1 only: event 12014"
jqis "$(r V1 '.events[0].severity')" error "event 12014 is an error"
jqis "$(r V1 .selected)" null "nothing selected: selected is null"

jqis "$(r NoKey '.candidates[0].reasons | join(";")')" "no private key" \
    "certificate without key: reason 'no private key'"
jqis "$(r NoKey '.events[].id')" 12014 "certificate without key: 12014"

jqis "$(r NoSmtp '.candidates[0].reasons | join(";")')" \
    'not enabled for SMTP (services has no "smtp")' \
    "services without smtp: not eligible"
jqis "$(r NoSmtp .advertise)" false "services without smtp: not advertised"

jqis "$(r Future '.candidates[0].reasons | join(";")')" \
    "not yet valid (valid from 2026-09-01T00:00:00Z)" \
    "not yet valid: not eligible, with the date"
jqis "$(r Future .advertise)" false "not yet valid: not advertised"

jqis "$(r Wild1 .selected.certificate)" wild \
    "wildcard SAN covers one label (a.wild.contoso.com)"
jqis "$(r Wild2 .advertise)" false \
    "wildcard SAN does not cover two labels (a.b.wild.contoso.com)"
jqis "$(r Wild2 '.candidates | length')" 0 \
    "two labels under a wildcard: not even a candidate"
jqis "$(r Wild3 .advertise)" false \
    "wildcard SAN does not cover the bare domain"
jqis "$(r Partial .advertise)" false \
    "no partial-label match (awild.contoso.com)"

jqis "$(r CN .selected.certificate)" cnonly \
    "subject CN counts even when the certificate has SANs"
jqis "$(r SAN .selected.certificate)" cnonly "SAN dNSName counts"
jqis "$(r Nothing '.events[0].text')" \
    "could not find a usable certificate that contains the domain name other.example; unable to support the STARTTLS SMTP verb for the connector Nothing with a FQDN parameter of other.example" \
    "12014 text names the domain, the connector and the FQDN"

# --at moves the clock
dsp $C --at 2026-10-01 select --json Future
rc_is 0 "--at after NotBefore: select exits 0"
jqis '.at' 2026-10-01T00:00:00Z "--at is echoed as ISO 8601"
jqis "$(r Future .selected.certificate)" future \
    "--at after NotBefore: the certificate is eligible"
jqis '.results | length' 1 "select CONNECTOR: only that connector"

# text output
dsp $C --at 2026-06-01 select Good NoKey
has "$OUT" 'receive connector "Good", STARTTLS for mail.contoso.com: advertised' \
    "text: advertised connector"
has "$OUT" 'receive connector "NoKey", STARTTLS for nokey.contoso.com: NOT advertised' \
    "text: connector that cannot advertise"
has "$OUT" "error 12014:" "text: the event"

dsp $C --at 2026-06-01 explain NoKey
rc_is 1 "explain exits 1 like select"
has "$OUT" '"nokey" (' "explain lists the candidate"
has "$OUT" "not eligible: no private key" "explain says why it is not eligible"
has "$OUT" "step 2: name: nokey.contoso.com (the connector's fqdn)" \
    "explain walks the steps"

# a key readable by others is a warning, not an error
chmod 644 "$P/good.key"
dsp $C --at 2026-06-01 select Good
rc_is 0 "key readable by others: still selected"
has "$ERR" "warning: certificate \"good\": key file $P/good.key is readable by group and others (mode 0644)" \
    "key readable by others: warning names the key file"
has "$ERR" "hint: chmod 600 $P/good.key" "key readable by others: hint"
chmod 600 "$P/good.key"
dsp $C --at 2026-06-01 select Good
is "$(cat "$ERR")" "" "key mode 0600: no warning"

done_testing
