#!/bin/sh
# files.sh - bad files never crash domsec-policy: a missing, empty, DER,
# truncated or corrupt certificate, chain or key file, a key that belongs
# to another certificate, an encrypted key, a missing trust store: each is
# exit 78 with file:line of the option that names the file, and a hint.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

pki_init "$T_DIR/pki"
P=$PKI_DIR
D="start=20260101000000Z end=20270101000000Z"
pki_ca root "/CN=Root" self start=20200101000000Z end=20400101000000Z
pki_cert a "/CN=mail.contoso.com" root san=DNS:mail.contoso.com $D
pki_cert b "/CN=mail.contoso.com" root san=DNS:mail.contoso.com $D
F=$T_DIR/files
mkdir -p "$F"

conf() { # CERT KEY [CHAIN] [TRUST]
    {
        printf 'server {\n  trust_store = "%s"\n}\n' "${4:-$P/root.pem}"
        printf 'certificate "c" {\n  cert = "%s"\n' "$1"
        [ -z "$2" ] || printf '  key = "%s"\n' "$2"
        [ -z "${3-}" ] || printf '  chain = "%s"\n' "$3"
        printf '}\nreceive_connector "Inet" {\n  fqdn = "mail.contoso.com"\n}\n'
    } >"$T_DIR/domsec.conf"
}
C="-c $T_DIR/domsec.conf --at 2026-06-01"
CONF=$T_DIR/domsec.conf

expect78() { # WHAT TEXT [COMMAND]
    dsp $C ${3:-select}
    rc_is 78 "$1: exit 78 (no crash)"
    has "$ERR" "$2" "$1: the message"
}

conf "$F/none.pem" ""
expect78 "missing cert file" \
    "$CONF:5: error: certificate \"c\": cannot read cert file $F/none.pem: No such file or directory"
has "$ERR" "hint: fix the path" "missing cert file: a hint"

: >"$F/empty.pem"
conf "$F/empty.pem" ""
expect78 "empty cert file" "$CONF:5: error: certificate \"c\": cert file $F/empty.pem is empty"

openssl x509 -in "$P/a.pem" -outform DER -out "$F/a.der"
conf "$F/a.der" ""
expect78 "DER instead of PEM" "cert file $F/a.der is DER (binary), not PEM"
has "$ERR" "hint: convert it to PEM: openssl x509 -inform DER -in $F/a.der" \
    "DER: the hint converts it"

head -c 300 "$P/a.pem" >"$F/trunc.pem"
conf "$F/trunc.pem" ""
expect78 "truncated PEM" "cert file $F/trunc.pem: PEM block 1 is truncated or corrupt"

{ echo "-----BEGIN CERTIFICATE-----"; head -c 600 /dev/zero | base64;
  echo "-----END CERTIFICATE-----"; } >"$F/zero.pem"
conf "$F/zero.pem" ""
expect78 "PEM block that is not a certificate" \
    "cert file $F/zero.pem: certificate 1 is not a valid X.509 certificate"

{ echo "-----BEGIN CERTIFICATE-----"; echo "@@@@not base64@@@@";
  echo "-----END CERTIFICATE-----"; } >"$F/junk.pem"
conf "$F/junk.pem" ""
expect78 "corrupt base64" "cert file $F/junk.pem: PEM block 1 is truncated or corrupt"

echo "just some text" >"$F/text.pem"
conf "$F/text.pem" ""
expect78 "text without PEM" "cert file $F/text.pem holds no PEM block"

conf "$P/a.key" ""
expect78 "a key where the certificate belongs" \
    "cert file $P/a.key holds no certificate (it holds: PRIVATE KEY)"

conf "$F" ""
expect78 "a directory as cert file" "cannot read cert file $F: is a directory"

{ cat "$P/a.pem"; head -c 200 "$P/root.pem"; } >"$F/leaf-trunc-chain.pem"
conf "$F/leaf-trunc-chain.pem" ""
expect78 "truncated second certificate" \
    "cert file $F/leaf-trunc-chain.pem: PEM block 2 is truncated or corrupt"

conf "$P/a.pem" "$P/a.key" "$F/empty.pem"
expect78 "empty chain file" "$CONF:7: error: certificate \"c\": chain file $F/empty.pem is empty"

conf "$P/a.pem" "$F/none.key"
expect78 "missing key file" \
    "$CONF:6: error: certificate \"c\": cannot read key file $F/none.key: No such file or directory"

# keys are read when the certificate is a candidate (select) or by
# check-config, certs and lint (every certificate)
conf "$P/a.pem" "$P/b.key"
expect78 "key of another certificate" \
    "$CONF:6: error: certificate \"c\": key file $P/b.key does not match the certificate in $P/a.pem"
has "$ERR" "openssl x509 -noout -pubkey -in $P/a.pem" \
    "key mismatch: the hint compares the public keys"
hasnt "$OUT" "STARTTLS" "key mismatch: nothing printed on stdout"
expect78 "key of another certificate, check-config" \
    "key file $P/b.key does not match the certificate in $P/a.pem" check-config

# the same key content named twice: read once, still checked per certificate
cp "$P/a.key" "$F/a-copy.key"
chmod 600 "$F/a-copy.key"
cat >"$CONF" <<CONF
server {
  trust_store = "$P/root.pem"
}
certificate "a" {
  cert = "$P/a.pem"
  key = "$P/a.key"
}
certificate "b" {
  cert = "$P/b.pem"
  key = "$F/a-copy.key"
}
receive_connector "Inet" {
  fqdn = "mail.contoso.com"
}
CONF
expect78 "a key shared with another certificate" \
    "$CONF:10: error: certificate \"b\": key file $F/a-copy.key does not match the certificate in $P/b.pem" \
    check-config
hasnt "$ERR" "certificate \"a\"" "... and the certificate it belongs to is fine"

openssl pkey -in "$P/a.key" -outform DER -out "$F/a.key.der"
chmod 600 "$F/a.key.der"
conf "$P/a.pem" "$F/a.key.der"
expect78 "DER key" "key file $F/a.key.der is DER (binary), not PEM"

openssl pkey -in "$P/a.key" -aes128 -passout pass:secret -out "$F/enc.key" 2>/dev/null
chmod 600 "$F/enc.key"
conf "$P/a.pem" "$F/enc.key"
expect78 "encrypted key" "key file $F/enc.key is encrypted"
has "$ERR" "hint: write it without a passphrase" "encrypted key: hint"

: >"$F/empty.key"
chmod 600 "$F/empty.key"
conf "$P/a.pem" "$F/empty.key"
expect78 "empty key file" "key file $F/empty.key is empty"

conf "$P/a.pem" "$P/a.key" "" "$F/no-such-ca.pem"
expect78 "missing trust store" \
    "$CONF:2: error: server: trust_store: cannot read $F/no-such-ca.pem: No such file or directory"
conf "$P/a.pem" "$P/a.key" "" "$F/text.pem"
expect78 "trust store without certificates" \
    "$CONF:2: error: server: trust_store: cannot load $F/text.pem"

conf "$P/a.pem" "$P/a.key"
dsp $C --with "$F/empty.pem" select
rc_is 78 "--with an empty file: exit 78"
has "$ERR" "$F/empty.pem: error: --with: cert file $F/empty.pem is empty" \
    "--with: the message names the file"
dsp $C --with "$P/a.pem:$P/b.key" select
rc_is 78 "--with a mismatched key: exit 78"
has "$ERR" "key file $P/b.key does not match the certificate in $P/a.pem" \
    "--with a mismatched key: both files named"

# relative paths are relative to the configuration file
cp "$P/a.pem" "$P/a.key" "$F/"
conf "files/a.pem" "files/a.key"
dsp -c "$T_DIR/domsec.conf" --at 2026-06-01 select
rc_is 0 "relative cert and key paths: relative to the configuration file"

done_testing
