#!/bin/sh
# import.sh - `domsec-policy import exchange`: Format-List output of an
# Edge server (t/policy/import/*.txt.in, in the shape Format-List writes,
# with the thumbprints, dates and serials of certificates made here
# substituted) in UTF-16 LE with a BOM and CRLF, and in UTF-8. The result
# passes check-config once the certificate files exist (--certs with PFX,
# legacy PFX, PEM and DER files; or the commands in its comments), and
# select/explain choose what Exchange's rules choose; the renewal that
# left TlsCertificateName stale; render postfix carries the bindings,
# FQDNs and lists; bad input stops at its file:line.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

FX=$top_srcdir/t/policy/import
AT=2026-09-01
DEFAULT="Default internal receive connector EDGE01"

if ! command -v iconv >/dev/null 2>&1; then
    echo "1..0 # SKIP iconv is not installed"
    exit 0
fi

pki_init "$T_DIR/pki"
P=$PKI_DIR
pki_ca ca1 "/C=US/O=Contoso/CN=Contoso Issuing CA" self \
    start=20200101000000Z end=20400101000000Z
pki_ca root "/C=US/O=Contoso/CN=Contoso Root CA" self \
    start=20200101000000Z end=20400101000000Z
pki_ca ca2 "/C=US/O=Contoso/CN=Contoso Issuing CA 2" root \
    start=20200101000000Z end=20400101000000Z
pki_cert old "/C=US/O=Contoso/CN=mail.contoso.com" ca1 \
    san=DNS:mail.contoso.com start=20250601000000Z end=20270115000000Z
pki_cert new "/C=US/O=Contoso/CN=mail.contoso.com" ca2 \
    san=DNS:mail.contoso.com,DNS:autodiscover.contoso.com \
    start=20260601000000Z end=20270601000000Z
pki_cert int "/CN=EDGE01" self san=DNS:EDGE01,DNS:EDGE01.contoso.com \
    start=20240304000000Z end=20290304000000Z
pki_cert wmsvc "/CN=WMSvc-SHA2-EDGE01" self san=DNS:WMSvc-SHA2-EDGE01 \
    start=20240304000000Z end=20340304000000Z
cat "$P/ca1.pem" "$P/root.pem" >"$T_DIR/roots.pem"
cp "$T_DIR/roots.pem" "$T_DIR/partners.pem"
OLD=$(pki_thumbprint old)
NEW=$(pki_thumbprint new)
INT=$(pki_thumbprint int)
WMSVC=$(pki_thumbprint wmsvc)

# How Exchange (en-US) writes a certificate's dates and serial.
us_date() { # NAME startdate|enddate
    date -u -d "$(openssl x509 -noout -"$2" -in "$P/$1.pem" | cut -d= -f2)" \
        '+%-m/%-d/%Y %-I:%M:%S %p'
}
subst() { # NAME TOKEN -> sed expressions
    printf 's|@%s-THUMBPRINT@*|%s|;' "$2" "$(pki_thumbprint "$1")"
    printf 's|@%s_NOTBEFORE@|%s|;' "$2" "$(us_date "$1" startdate)"
    printf 's|@%s_NOTAFTER@|%s|;' "$2" "$(us_date "$1" enddate)"
    printf 's|@%s_SERIAL@|%s|;' "$2" \
        "$(openssl x509 -noout -serial -in "$P/$1.pem" | cut -d= -f2)"
}
SED="$(subst old OLD)$(subst new NEW)$(subst int INT)$(subst wmsvc WMSVC)"
FILES="transport server transport-service receive send certs"

# fixture DIR utf16|utf8|utf8bom: the six files as Windows PowerShell's
# `>` writes them (UTF-16 LE, BOM, CRLF), or as UTF-8 (LF; BOM or not).
fixture() {
    mkdir -p "$1"
    for f in $FILES; do
        sed "$SED" "$FX/$f.txt.in" >"$1/$f.u8"
        case $2 in
        utf16)
            { printf '\377\376'; sed 's/$/\r/' "$1/$f.u8" |
                iconv -f UTF-8 -t UTF-16LE; } >"$1/$f.txt" ;;
        utf8bom) { printf '\357\273\277'; cat "$1/$f.u8"; } >"$1/$f.txt" ;;
        *) cp "$1/$f.u8" "$1/$f.txt" ;;
        esac
        rm "$1/$f.u8"
    done
}
flat() { # FILE -> its comments as one line (wrapping undone)
    tr '\n' ' ' <"$1" | sed 's/ #  */ /g' | tr -s ' '
}
inputs() { # DIR -> the six files
    for f in $FILES; do printf '%s/%s.txt ' "$1" "$f"; done
}

# The certificates as an admin copies them from Windows: PFX (AES), a
# legacy PFX (RC2/3DES, as Windows Server 2016 writes it), PEM with the key
# in a file of its own, DER.
EXPORT=$T_DIR/export
mkdir -p "$EXPORT"
openssl pkcs12 -export -in "$P/new.pem" -inkey "$P/new.key" \
    -certfile "$P/ca2.chain.pem" -passout pass:s3cret -out "$EXPORT/new.pfx"
LEGACY=yes
openssl pkcs12 -export -legacy -in "$P/old.pem" -inkey "$P/old.key" \
    -certfile "$P/ca1.pem" -passout pass:s3cret -out "$EXPORT/old.pfx" \
    2>/dev/null || LEGACY=no
if [ $LEGACY = no ]; then # this OpenSSL cannot write one: a modern PFX
    openssl pkcs12 -export -in "$P/old.pem" -inkey "$P/old.key" \
        -certfile "$P/ca1.pem" -passout pass:s3cret -out "$EXPORT/old.pfx"
fi
cp "$P/int.pem" "$EXPORT/EDGE01.crt"
cp "$P/int.key" "$EXPORT/EDGE01.key"
openssl x509 -in "$P/wmsvc.pem" -outform DER -out "$EXPORT/wmsvc.cer"

# ---- UTF-16 LE with BOM and CRLF, --certs ---------------------------------
fixture "$T_DIR/u16" utf16
ok "the UTF-16 fixture starts with FF FE" \
    sh -c "od -An -tx1 -N2 '$T_DIR/u16/receive.txt' | grep -q 'ff fe'"
A=$T_DIR/a
mkdir "$A"
DOMSEC_PFX_PASSWORD=s3cret
export DOMSEC_PFX_PASSWORD
# shellcheck disable=SC2046
dsp import exchange --certs "$EXPORT" --output "$A/domsec.conf" \
    --trust-store "$T_DIR/roots.pem" --partner-trust-store "$T_DIR/partners.pem" \
    $(inputs "$T_DIR/u16")
unset DOMSEC_PFX_PASSWORD
rc_is 0 "import exchange (UTF-16) --certs: exit 0"
has "$OUT" "wrote $A/domsec.conf: 2 of 5 receive connectors, 3 of 4 send connectors, 3 of 4 certificates (3 with their files)" \
    "it says what it wrote"
has "$A/domsec.conf" "receive.txt (UTF-16 LE with BOM)" "the header names the encoding"
ok "the new certificate extracted from its PFX" test -s "$A/certs/$NEW.pem"
is "$(openssl x509 -noout -subject -in "$A/certs/$NEW.chain.pem" 2>&1)" \
    "subject=C = US, O = Contoso, CN = Contoso Issuing CA 2" \
    "... its chain: the intermediate (the root belongs in trust_store)"
hasnt "$A/domsec.conf" "certs/$OLD.chain.pem" "a chain of the root alone: no chain file"
is "$(stat -c %a "$A/private/$NEW.key")" 600 "... its key, mode 0600"
is "$(stat -c %a "$A/private")" 700 "private/ is mode 0700"
ok "the legacy PFX read (legacy provider: $LEGACY)" test -s "$A/private/$OLD.key"
ok "the extracted key is the certificate's" sh -c \
    "[ \"\$(openssl pkey -in '$A/private/$OLD.key' -pubout)\" = \"\$(openssl x509 -in '$P/old.pem' -noout -pubkey)\" ]"
has "$A/domsec.conf" "cert = \"$EXPORT/EDGE01.crt\"" "a PEM certificate is named where it is"
has "$A/domsec.conf" "key = \"$EXPORT/EDGE01.key\"" "... and its key file, found by its public key"
has "$A/domsec.conf" "internal_certificate = \"$INT\"" \
    "internal_certificate from Get-TransportService"
has "$A/domsec.conf" "trust_store = \"$T_DIR/roots.pem\"" "--trust-store"

dsp -c "$A/domsec.conf" check-config
rc_is 0 "the imported configuration passes check-config"
dsp -c "$A/domsec.conf" --at $AT select --json
rc_is 0 "select: every connector has its certificate"
jqis ".results[] | select(.connector == \"$DEFAULT\" and .kind == \"starttls\") | .selected.thumbprint" \
    "$OLD" "TlsCertificateName names the old certificate: Exchange uses it, so does select"
jqis ".results[] | select(.connector == \"$DEFAULT\" and .kind == \"anonymous\") | .selected.thumbprint" \
    "$INT" "X-ANONYMOUSTLS: the internal certificate"
jqis '.results[] | select(.connector == "Client Submission EDGE01") | .selected.thumbprint' \
    "$NEW" "by fqdn: the renewal (newest NotBefore, valid PKI)"
jqis '.results[] | select(.connector == "Partners") | .selected.thumbprint' \
    "$NEW" "the domain-secure send connector's client certificate: the renewal"
jqis '.results[] | select(.connector == "Smart host relay" and .kind == "anonymous") | .selected.thumbprint' \
    "$INT" "SmartHostAuthMechanism ExchangeServer: the internal certificate"
jqis '[.results[].connector] | unique | length' 5 \
    "five connectors converted (two receive, three send)"
dsp -c "$A/domsec.conf" --at $AT explain "$DEFAULT"
has "$OUT" "$OLD" "explain names the old certificate's thumbprint"
dsp -c "$A/domsec.conf" --at $AT --without "$OLD" select --json
rc_is 1 "without the old certificate: select exits 1"
jqis ".results[] | select(.connector == \"$DEFAULT\" and .kind == \"starttls\") | .advertise" \
    false "... no STARTTLS on the connector whose TlsCertificateName went stale"
jqis ".results[] | select(.connector == \"$DEFAULT\" and .kind == \"starttls\") | [.events[].id] | join(\",\")" \
    12014 "... event 12014, as Exchange logs it"

# ---- the same in UTF-8 (with and without BOM), LF -------------------------
# shellcheck disable=SC2046
dsp import exchange --trust-store "$T_DIR/roots.pem" $(inputs "$T_DIR/u16")
rc_is 0 "import exchange (UTF-16) to standard output: exit 0"
grep -v -e '^ *#' -e '^$' "$OUT" >"$T_DIR/u16.conf"
for enc in utf8 utf8bom; do
    fixture "$T_DIR/$enc" $enc
    # shellcheck disable=SC2046
    dsp import exchange --trust-store "$T_DIR/roots.pem" $(inputs "$T_DIR/$enc")
    rc_is 0 "import exchange ($enc) to standard output: exit 0"
    grep -v -e '^ *#' -e '^$' "$OUT" >"$T_DIR/$enc.conf"
    ok "$enc and UTF-16 give the same configuration" \
        cmp "$T_DIR/$enc.conf" "$T_DIR/u16.conf"
done

# ---- without --certs: the comments say how to make the files -------------
B=$T_DIR/b
mkdir "$B"
# shellcheck disable=SC2046
dsp import exchange --output "$B/domsec.nocas.conf" --trust-store "$T_DIR/roots.pem" \
    $(inputs "$T_DIR/utf8")
rc_is 0 "import without --partner-trust-store: exit 0"
dsp -c "$B/domsec.nocas.conf" check-config
rc_is 78 "check-config: the default partner CA file does not exist"
line=$(grep -n '^    partner_trust_store = ' "$B/domsec.nocas.conf" | cut -d: -f1)
has "$ERR" "$B/domsec.nocas.conf:$line: error: transport: partner_trust_store" \
    "check-config names the partner_trust_store line"
sed -n "$((line - 1))p" "$B/domsec.nocas.conf" >"$T_DIR/above"
has "$T_DIR/above" "check-config refuses a missing one" "... and the comment above it says so"
# shellcheck disable=SC2046
dsp import exchange --output "$B/domsec.conf" --trust-store "$T_DIR/roots.pem" \
    --partner-trust-store "$T_DIR/partners.pem" $(inputs "$T_DIR/utf8")
rc_is 0 "import without --certs: exit 0"
dsp -c "$B/domsec.conf" check-config
rc_is 78 "check-config: the certificate files do not exist yet"
line=$(grep -n "cert = \"certs/$NEW.pem\"" "$B/domsec.conf" | cut -d: -f1)
has "$ERR" "$B/domsec.conf:$line: error: certificate \"mail.contoso.com-20270601\": cannot read cert file" \
    "check-config names the cert line"
has "$ERR" "the comment above the line says how" "... and its hint points at the comment"
sed -n "$((line - 12)),$((line - 1))p" "$B/domsec.conf" >"$T_DIR/above"
has "$T_DIR/above" "Export-PfxCertificate" "the comment above it: Export-PfxCertificate"
has "$T_DIR/above" "openssl pkcs12 -in $NEW.pfx -clcerts -nokeys -out $B/certs/$NEW.pem" \
    "... and the openssl pkcs12 commands"
# Follow the comments: a PFX per thumbprint, then their commands.
PFX=$T_DIR/pfx
mkdir "$PFX"
for n in old new int; do
    t=$(pki_thumbprint $n)
    ca=; [ $n = old ] && ca="-certfile $P/ca1.pem"; [ $n = new ] && ca="-certfile $P/ca2.chain.pem"
    # shellcheck disable=SC2086
    openssl pkcs12 -export -in "$P/$n.pem" -inkey "$P/$n.key" $ca \
        -passout pass: -out "$PFX/$t.pfx"
done
sed -n 's/^    #   \(mkdir .*\|openssl .*\|(umask .*\)$/\1/p' "$B/domsec.conf" |
    grep -v "$WMSVC" >"$T_DIR/commands.sh"
ok "the commented commands run" sh -c \
    "cd '$PFX' && sed 's/ -nodes/ -nodes -passin pass:/; s/ -nokeys/ -nokeys -passin pass:/' '$T_DIR/commands.sh' | sh -e"
dsp -c "$B/domsec.conf" check-config
rc_is 0 "check-config passes once the files exist"
dsp -c "$B/domsec.conf" --at $AT select --json
jqis ".results[] | select(.connector == \"$DEFAULT\" and .kind == \"starttls\") | .selected.thumbprint" \
    "$OLD" "select picks the same certificate as with --certs"

# ---- the renewal left TlsCertificateName stale (old one removed) ----------
S=$T_DIR/stale
fixture "$S" utf8
awk -v t="$OLD" 'BEGIN { RS = ""; ORS = "\n\n" } index($0, t) == 0' \
    "$S/certs.txt" >"$S/c" && mv "$S/c" "$S/certs.txt"
hasnt "$S/certs.txt" "$OLD" "the old certificate is gone from certs.txt"
mkdir "$S/out"
# shellcheck disable=SC2046
DOMSEC_PFX_PASSWORD=s3cret dsp import exchange --certs "$EXPORT" \
    --output "$S/out/domsec.conf" --trust-store "$T_DIR/roots.pem" \
    --partner-trust-store "$T_DIR/partners.pem" $(inputs "$S")
rc_is 0 "import with the stale TlsCertificateName: exit 0"
has "$ERR" "$S/receive.txt:2: warning: receive connector \"$DEFAULT\": TlsCertificateName names no certificate" \
    "a warning names the connector's file:line"
flat "$S/out/domsec.conf" >"$T_DIR/flat"
has "$T_DIR/flat" "$EXPORT/old.pfx: certificate $OLD (CN=mail.contoso.com, O=Contoso, C=US) is not in the Get-ExchangeCertificate output: not added" \
    "the old certificate's PFX is noted as unused"
has "$T_DIR/flat" "Certificate $NEW has this subject (a renewal by a new issuer?): set tls_certificate_name = \"<I>CN=Contoso Issuing CA 2, O=Contoso, C=US<S>CN=mail.contoso.com, O=Contoso, C=US\"" \
    "the comment names the renewal and the string to set"
dsp -c "$S/out/domsec.conf" --at $AT select --json
rc_is 1 "select exits 1: a connector cannot offer STARTTLS"
jqis ".results[] | select(.connector == \"$DEFAULT\" and .kind == \"starttls\") | [.advertise, ([.events[].id] | join(\",\"))] | join(\" \")" \
    "false 12014" "... event 12014 on the stale connector, as in Exchange"

# ---- round trip: render postfix carries the input -------------------------
R=$T_DIR/render
dsp -c "$A/domsec.conf" --at $AT render postfix --output "$R"
rc_is 0 "render postfix from the imported configuration"
has "$R/master.cf" "[::]:25         inet" "Bindings [::]:25: a listener"
has "$R/master.cf" "0.0.0.0:25      inet" "Bindings 0.0.0.0:25: a listener"
has "$R/master.cf" "0.0.0.0:587     inet" "the submission connector's binding"
hasnt "$R/master.cf" "2525" "the internal connector is not rendered"
hasnt "$R/master.cf" "192.0.2.10" "the disabled connector is not rendered"
has "$R/master.cf" "-o { milter_macro_daemon_name = $DEFAULT }" \
    "the listener carries the connector's name"
has "$R/master.cf" "STARTTLS for mail.contoso.com" "the receive connector's Fqdn"
has "$R/master.cf" "-o smtpd_tls_security_level=encrypt" "RequireTLS True"
has "$R/master.cf" "-o smtpd_tls_ask_ccert=yes" "DomainSecureEnabled True"
has "$R/master.cf" "-o smtp_helo_name=mail.contoso.com" "the send connectors' Fqdn"
has "$R/transport" "tailspintoys.com                domsec-smart-host-relay:[192.0.2.25]:587,[relay.contoso.com]:587" \
    "SmartHosts [192.0.2.25], relay.contoso.com"
has "$R/transport" "woodgrovebank.com               domsec-partners:" \
    "TLSSendDomainSecureList: woodgrovebank.com to the domain-secure connector"
has "$R/transport" "fabrikam.com                    domsec-partners:" "... and fabrikam.com"
has "$R/tls_policy" "woodgrovebank.com               secure" "woodgrovebank.com only over verified TLS"
has "$R/tls_policy" "fabrikam.com                    secure" "fabrikam.com too"
has "$R/main.cf" "default_transport = domsec-edgesync-default-first-site-name-to-internet" \
    "the * address space: default_transport"

# ---- Get-ExchangeServer and Get-ReceiveConnector for the organisation -----
# Several servers in server.txt and another server's connector in
# receive.txt: the Edge server is taken (the connectors name two).
M=$T_DIR/multi
mkdir "$M"
sed 's/EDGE01/MBX01/g; s/ServerRole *: Edge/ServerRole                      : Mailbox/' \
    "$T_DIR/utf8/server.txt" >"$M/mbx.txt"
cat "$M/mbx.txt" "$T_DIR/utf8/server.txt" >"$M/server.txt"
awk 'BEGIN { RS = ""; ORS = "\n\n" } NR == 1' "$T_DIR/utf8/receive.txt" |
    sed 's/EDGE01/MBX01/g; s/\[::\]:25, 0.0.0.0:25/0.0.0.0:2525/' >"$M/receive.txt"
cat "$T_DIR/utf8/receive.txt" >>"$M/receive.txt"
# shellcheck disable=SC2046
dsp import exchange --trust-store "$T_DIR/roots.pem" $(inputs "$T_DIR/utf8" |
    sed "s|$T_DIR/utf8/server.txt|$M/server.txt|; s|$T_DIR/utf8/receive.txt|$M/receive.txt|")
rc_is 0 "two servers and another server's connector: exit 0"
has "$OUT" 'hostname = "EDGE01"' "the Edge server"
flat "$OUT" >"$T_DIR/flat"
has "$T_DIR/flat" "Get-ExchangeServer MBX01: not converted: this file describes server EDGE01" \
    "the other server is noted"
has "$T_DIR/flat" "not converted: it belongs to server MBX01; this file describes EDGE01" \
    "the other server's connector is written as comments"
grep '^receive_connector' "$OUT" >"$T_DIR/sections"
has "$T_DIR/sections" 'receive_connector "Default internal receive connector EDGE01"' \
    "EDGE01's connector is a section"
hasnt "$T_DIR/sections" "MBX01" "... MBX01's is not"
sed 's/EDGE01/EDGE02/g' "$T_DIR/utf8/server.txt" >"$M/edges.txt"
cat "$T_DIR/utf8/server.txt" >>"$M/edges.txt"
dsp import exchange "$M/edges.txt" "$M/receive.txt"
rc_is 65 "two Edge servers, connectors of two servers: exit 65"
has "$ERR" "$M/edges.txt:2: error: 2 Get-ExchangeServer objects" \
    "... refused: domsec.conf describes one server"

# Exchange 2007 (version 8): the 2007 selection rules.
sed 's/Version 15.1 (Build 2507.6)/Version 8.3 (Build 83.6)/' \
    "$T_DIR/utf8/server.txt" >"$M/server2007.txt"
dsp import exchange "$M/server2007.txt" "$T_DIR/utf8/transport.txt"
has "$OUT" 'selection_rules = "2007"' "AdminDisplayVersion 8.3: selection_rules 2007"
# No Get-ExchangeServer output: a warning, and fqdn left to its default.
dsp import exchange "$T_DIR/utf8/transport.txt" "$T_DIR/utf8/receive.txt"
rc_is 0 "without server.txt: exit 0"
has "$ERR" "warning: no Get-ExchangeServer output" "... with a warning"
sed -n '/^server {/,/^}/p' "$OUT" >"$T_DIR/server-section"
has "$T_DIR/server-section" 'hostname = "EDGE01"' \
    "... hostname from the receive connectors' server"
hasnt "$T_DIR/server-section" "fqdn =" "... and no fqdn (the default applies)"

# ---- PFX with an empty password, no password given ------------------------
E=$T_DIR/empty
mkdir -p "$E/export" "$E/out"
openssl pkcs12 -export -in "$P/int.pem" -inkey "$P/int.key" -passout pass: \
    -out "$E/export/int.pfx"
# shellcheck disable=SC2046
dsp import exchange --certs "$E/export" --output "$E/out/domsec.conf" \
    $(inputs "$T_DIR/utf8")
rc_is 0 "a PFX with an empty password"
is "$(stat -c %a "$E/out/private/$INT.key" 2>/dev/null)" 600 \
    "... its key extracted (mode 0600)"
has "$ERR" "certificate $NEW is not in $E/export" \
    "certificates missing from DIR are warnings"

# ---- bad input -------------------------------------------------------------
BAD=$T_DIR/bad
mkdir "$BAD"
printf '\nName                                      Bindings               Enabled\n----                                      --------               -------\nDefault internal receive connector EDGE01 {[::]:25, 0.0.0.0:25}  True\n' \
    >"$BAD/table.txt"
dsp import exchange "$T_DIR/utf8/transport.txt" "$BAD/table.txt"
rc_is 65 "Format-Table output: exit 65"
has "$ERR" "$BAD/table.txt:2: error: not Format-List output" "... refused with its name and line"
hasnt "$OUT" "transport" "... and nothing written"
printf '#TYPE Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector\n"AuthMechanism","Bindings"\n' \
    >"$BAD/csv.txt"
dsp import exchange "$BAD/csv.txt"
rc_is 65 "Export-Csv output: exit 65"
has "$ERR" "$BAD/csv.txt:1: error: not Format-List output" "... at line 1"

sed 's/^\(TLSReceiveDomainSecureList *: \).*/\1{woodgrovebank.com, fabrikam.com, adatum.com, litware.example...}/' \
    "$T_DIR/utf8/transport.txt" >"$BAD/transport.txt"
cut=$(grep -n '^TLSReceiveDomainSecureList' "$BAD/transport.txt" | cut -d: -f1)
dsp import exchange "$BAD/transport.txt" "$T_DIR/utf8/receive.txt"
rc_is 65 "a secure-domain list cut at \$FormatEnumerationLimit: exit 65"
has "$ERR" "$BAD/transport.txt:$cut: error: TLSReceiveDomainSecureList was cut by PowerShell after 4 entries" \
    "... refused at its line"
has "$ERR" '$FormatEnumerationLimit = -1' "... the hint says how to export it whole"
printf '\nAddressSpaces       : {SMTP:a.example;1, SMTP:b.example;1, SMTP:c.example;1, SMTP:d.example;1\342\200\246}\nDNSRoutingEnabled   : True\nName                : Cut\n' \
    >"$BAD/send7.txt"
dsp import exchange "$BAD/send7.txt"
rc_is 65 "PowerShell 7's cut list (…): exit 65"
has "$ERR" "$BAD/send7.txt:2: error: AddressSpaces was cut" "... refused at its line"

sed 's/^\(DomainSecureEnabled *: \)True/\1Yes/' "$T_DIR/utf8/receive.txt" \
    >"$BAD/receive.txt"
bl=$(grep -n '^DomainSecureEnabled *: Yes' "$BAD/receive.txt" | head -1 | cut -d: -f1)
dsp import exchange "$BAD/receive.txt"
rc_is 65 "a boolean that is not True/False: exit 65"
has "$ERR" "$BAD/receive.txt:$bl: error: DomainSecureEnabled: \"Yes\" is not True or False" \
    "... refused at its line"

printf '\nName : Caf\351\n' >"$BAD/latin1.txt"
dsp import exchange "$BAD/latin1.txt"
rc_is 65 "an ANSI (Latin-1) file: exit 65"
has "$ERR" "$BAD/latin1.txt:2: error: not valid UTF-8 text" "... at the line of the byte"

# Unknown properties and objects are ignored (with a note for objects).
awk '{ print } /^Fqdn/ { print "FutureTlsSetting                          : Strict" }' \
    "$T_DIR/utf8/receive.txt" >"$BAD/receive-extra.txt"
printf '\nDisplayName : Administrator\nAlias       : administrator\n' >"$BAD/mailbox.txt"
# shellcheck disable=SC2046
dsp import exchange --trust-store "$T_DIR/roots.pem" $(inputs "$T_DIR/utf8" | sed "s|$T_DIR/utf8/receive.txt|$BAD/receive-extra.txt|") \
    "$BAD/mailbox.txt"
rc_is 0 "unknown properties and objects: exit 0"
grep -v -e '^ *#' -e '^$' "$OUT" >"$T_DIR/extra.conf"
ok "an unknown property changes nothing" cmp "$T_DIR/extra.conf" "$T_DIR/utf8.conf"
flat "$OUT" >"$T_DIR/flat"
has "$T_DIR/flat" "mailbox.txt:2: an object with the properties DisplayName, Alias: not converted" \
    "an unknown object is noted in the output"
has "$ERR" "mailbox.txt:2: warning: an object that is from none of the cmdlets" \
    "... and warned about"

dsp import exchange "$T_DIR/nonexistent.txt"
rc_is 66 "a missing input file: exit 66"
dsp import exchange --output "$A/domsec.conf" "$T_DIR/utf8/transport.txt"
rc_is 73 "an existing output file: exit 73"
has "$ERR" "exists" "... refused: import writes a new file"
dsp import exchange --certs "$EXPORT" "$T_DIR/utf8/transport.txt"
rc_is 64 "--certs without --output: usage error"
dsp import "$T_DIR/utf8/transport.txt"
rc_is 64 "import without 'exchange': usage error"
dsp import exchange --json "$T_DIR/utf8/transport.txt"
rc_is 64 "import has no --json"

done_testing
