#!/bin/sh
# tlsname.sh - tls_certificate_name: selection by issuer and subject DN
# (Windows form, case-insensitive, <I>/<S> or [I]/[S]); the seed-002 story:
# the certificate is renewed by a new issuer, tls_certificate_name still
# names the old one, and STARTTLS disappears (event 12014) once the old
# certificate goes. lint must say so before, and select --without must
# show it. The 2007 rules ignore tls_certificate_name.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

pki_init "$T_DIR/pki"
P=$PKI_DIR
pki_ca root "/O=Contoso/CN=Contoso Root CA" self \
    start=20200101000000Z end=20400101000000Z
pki_ca oldca "/O=Contoso/CN=Contoso Issuing CA" root \
    start=20200101000000Z end=20400101000000Z
pki_ca newca "/O=Contoso/CN=Contoso Issuing CA G2" root \
    start=20200101000000Z end=20400101000000Z
SUBJ="/C=US/ST=WA/O=Contoso/CN=mail.contoso.com"
pki_cert old "$SUBJ" oldca san=DNS:mail.contoso.com \
    start=20250601000000Z end=20260901000000Z
pki_cert new "$SUBJ" newca san=DNS:mail.contoso.com \
    start=20260501000000Z end=20270501000000Z
OLD_TP=$(pki_thumbprint old)
NEW_TP=$(pki_thumbprint new)
S="CN=mail.contoso.com, O=Contoso, S=WA, C=US"
OLD_NAME="<I>CN=Contoso Issuing CA, O=Contoso<S>$S"
NEW_NAME="<I>CN=Contoso Issuing CA G2, O=Contoso<S>$S"

conf() { # FILE RULES TLSNAME CERTS...
    local f=$1 rules=$2 name=$3 c
    shift 3
    {
        printf 'server {\n  fqdn = "mail1.contoso.com"\n'
        printf '  trust_store = "%s/root.pem"\n' "$P"
        printf '  selection_rules = "%s"\n}\n' "$rules"
        for c in "$@"; do
            printf 'certificate "%s" {\n  cert = "%s/%s.chain.pem"\n' \
                "$c" "$P" "$c"
            printf '  key = "%s/%s.key"\n}\n' "$P" "$c"
        done
        printf 'receive_connector "Inet" {\n  fqdn = "mail.contoso.com"\n'
        printf '  tls_certificate_name = "%s"\n}\n' "$name"
    } >"$f"
}
r() { echo ".results[] | select(.connector == \"$1\") | $2"; }

# before the renewal
conf "$T_DIR/a.conf" 2016 "$OLD_NAME" old
dsp -c "$T_DIR/a.conf" --at 2026-04-01 certs --json
jqis '.certificates[0].tls_certificate_name' "$OLD_NAME" \
    "certs prints the exact tls_certificate_name (Windows DN form, S=)"
jqis '.certificates[0].subject' "$S" "subject in Windows form, CN first"
jqis '.certificates[0].subject_rfc2253' \
    "CN=mail.contoso.com,O=Contoso,ST=WA,C=US" "subject in RFC 2253 form"
dsp -c "$T_DIR/a.conf" --at 2026-04-01 certs
has "$OUT" "tls_certificate_name = \"$OLD_NAME\"" \
    "certs (text) prints the string to paste"
dsp -c "$T_DIR/a.conf" --at 2026-04-01 select --json
rc_is 0 "tls_certificate_name matches: select exits 0"
jqis "$(r Inet .selected.certificate)" old \
    "tls_certificate_name selects the certificate it names"
jqis "$(r Inet .name)" "$OLD_NAME" "name is the tls_certificate_name"

lower=$(printf '%s' "$OLD_NAME" | tr 'A-Z' 'a-z')
conf "$T_DIR/b.conf" 2016 "$lower" old
dsp -c "$T_DIR/b.conf" --at 2026-04-01 select --json
jqis "$(r Inet .selected.certificate)" old "matching ignores case"
brackets=$(printf '%s' "$OLD_NAME" | sed 's/<I>/[i]/; s/<S>/[S]/')
conf "$T_DIR/b.conf" 2016 "$brackets" old
dsp -c "$T_DIR/b.conf" --at 2026-04-01 select --json
jqis "$(r Inet .selected.certificate)" old "[I]...[S]... spelling accepted"
conf "$T_DIR/b.conf" 2016 "<I>CN=Contoso Issuing CA,O=Contoso<S>$S" old
dsp -c "$T_DIR/b.conf" --at 2026-04-01 select --json
jqis "$(r Inet .advertise)" false "DNs must match exactly (', ' separators)"

# the new certificate is imported; the old one is still there
conf "$T_DIR/c.conf" 2016 "$OLD_NAME" old new
dsp -c "$T_DIR/c.conf" --at 2026-06-01 select --json
jqis "$(r Inet .selected.certificate)" old \
    "both present: tls_certificate_name still pins the old certificate"
jqis "$(r Inet '.candidates | length')" 1 \
    "only the certificate matching issuer and subject is a candidate"
dsp -c "$T_DIR/c.conf" --at 2026-06-01 lint
has "$OUT" "tls_certificate_name pins certificate \"old\"" \
    "lint warns that tls_certificate_name pins the old certificate"
has "$OUT" "once the pinned one is removed, STARTTLS stops (event 12014)" \
    "lint: the warning names event 12014"
has "$OUT" "hint: set tls_certificate_name = \"$NEW_NAME\"" \
    "lint: the hint is the new certificate's exact string"
dsp -c "$T_DIR/c.conf" --at 2026-06-01 --without "$OLD_TP" select --json
rc_is 1 "select --without OLD: exits 1"
jqis "$(r Inet .advertise)" false "select --without OLD: STARTTLS not advertised"
jqis "$(r Inet '.events[0].id')" 12014 "select --without OLD: event 12014"
jqis "$(r Inet '.events[0].text')" \
    "could not find a usable certificate that matches tls_certificate_name $OLD_NAME; unable to support the STARTTLS SMTP verb for the connector Inet with a FQDN parameter of mail.contoso.com" \
    "select --without OLD: the 12014 text"
dsp -c "$T_DIR/c.conf" --at 2026-06-01 --without "$OLD_TP" lint
rc_is 1 "lint --without OLD: exits 1"
has "$OUT" "error: [12014] receive connector Inet (starttls)" \
    "lint --without OLD: error 12014"

# the old certificate is removed: STARTTLS is gone
conf "$T_DIR/d.conf" 2016 "$OLD_NAME" new
dsp -c "$T_DIR/d.conf" --at 2026-06-01 lint --json
jqis '[.findings[] | select(.event == 12014) | .severity] | join(",")' error \
    "old certificate gone: lint reports error 12014"
jqis '.findings[] | select(.event == 12014) | .hint' \
    "the certificate for $S was re-issued by CN=Contoso Issuing CA G2, O=Contoso (certificate \"new\", $NEW_TP): set tls_certificate_name = \"$NEW_NAME\"" \
    "lint: 12014 hint gives the re-issued certificate's string"
jqis '.findings[] | select(.event == 12014) | .line' 12 \
    "lint: 12014 points at the tls_certificate_name line"
dsp -c "$T_DIR/d.conf" --at 2026-06-01 lint
rc_is 1 "lint exits 1 on an error"

# 2007 rules ignore tls_certificate_name
conf "$T_DIR/e.conf" 2007 "$OLD_NAME" old new
dsp -c "$T_DIR/e.conf" --at 2026-06-01 select --json
jqis '.rules' 2007 "rules are echoed"
jqis "$(r Inet .selected.certificate)" new \
    "2007 rules: tls_certificate_name ignored, the newest by name wins"
jqis "$(r Inet .name)" mail.contoso.com "2007 rules: name is the fqdn"
dsp -c "$T_DIR/e.conf" --at 2026-06-01 lint --json
jqis '[.findings[] | select(.code == "tls-certificate-name-stale")] | length' 0 \
    "2007 rules: lint does not warn about a pin to the older certificate (select ignores it)"
conf "$T_DIR/f.conf" 2007 "<I>CN=Nobody<S>CN=nothing" new
dsp -c "$T_DIR/f.conf" --at 2026-06-01 select
rc_is 0 "2007 rules: a tls_certificate_name matching nothing does not matter"
# lint agrees with select: the 2007 rules ignore the pin, so lint has
# nothing to say about it
dsp -c "$T_DIR/f.conf" --at 2026-06-01 lint --json
rc_is 0 "2007 rules: lint exits 0, as select does"
jqis '[.findings[] | select(.text | contains("tls_certificate_name"))] | length' 0 \
    "2007 rules: no finding about the tls_certificate_name the rules ignore"

done_testing
