# pki.sh - make a test PKI with the openssl command line, at test time.
# Sourced by the shell tests, the demo and the benchmarks.
#
#   pki_init DIR                      start a PKI in DIR (created)
#   pki_ca NAME SUBJECT [ISSUER] [opt...]
#                                     a CA: self-signed root, or an
#                                     intermediate signed by ISSUER
#   pki_cert NAME SUBJECT ISSUER [opt...]
#                                     a leaf signed by ISSUER ("self" for a
#                                     self-signed leaf)
# Options: san=DNS:a,DNS:b  start=YYYYMMDDHHMMSSZ  end=YYYYMMDDHHMMSSZ
#          days=N (from now; default 365)  v1 (no extensions: X.509 v1)
#          rsa (RSA 2048 instead of EC P-256)  key=NAME (reuse NAME.key)
# Output: $PKI_DIR/NAME.pem (certificate), $PKI_DIR/NAME.key (key, 0600),
#         $PKI_DIR/NAME.chain.pem (certificate followed by its issuers).
# SUBJECT is in openssl's "/C=US/O=Contoso/CN=mail.contoso.com" form.
# Must not: touch anything outside $PKI_DIR.

pki_init() {
    PKI_DIR=$1
    mkdir -p "$PKI_DIR/db"
    : > "$PKI_DIR/db/index.txt"
    [ -f "$PKI_DIR/db/serial" ] || echo 1000 > "$PKI_DIR/db/serial"
    cat > "$PKI_DIR/ca.cnf" <<CNF
[ ca ]
default_ca = ca_default
[ ca_default ]
database = $PKI_DIR/db/index.txt
serial = $PKI_DIR/db/serial
new_certs_dir = $PKI_DIR/db
default_md = sha256
policy = policy_any
unique_subject = no
preserve = yes
copy_extensions = none
[ policy_any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
emailAddress = optional
[ req ]
distinguished_name = req_dn
[ req_dn ]
CNF
}

# _pki_date OFFSET_DAYS -> YYYYMMDDHHMMSSZ (UTC)
_pki_date() {
    date -u -d "@$(( $(date +%s) + $1 * 86400 ))" +%Y%m%d%H%M%SZ
}

_pki_issue() { # NAME SUBJECT ISSUER KIND opts...
    local name=$1 subject=$2 issuer=$3 kind=$4
    shift 4
    local san="" start="" end="" days=365 v1="" keytype=ec keyfrom="" o
    for o in "$@"; do
        case $o in
        san=*) san=${o#san=} ;;
        start=*) start=${o#start=} ;;
        end=*) end=${o#end=} ;;
        days=*) days=${o#days=} ;;
        v1) v1=1 ;;
        rsa) keytype=rsa ;;
        key=*) keyfrom=${o#key=} ;;
        *) echo "pki: unknown option $o" >&2; return 1 ;;
        esac
    done
    [ -n "$start" ] || start=$(_pki_date -1)
    [ -n "$end" ] || end=$(_pki_date "$days")
    local d=$PKI_DIR key=$PKI_DIR/$name.key
    if [ -n "$keyfrom" ]; then
        cp "$d/$keyfrom.key" "$key"
    elif [ $keytype = rsa ]; then
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
            -out "$key" 2>/dev/null || return 1
    else
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
            -out "$key" 2>/dev/null || return 1
    fi
    chmod 600 "$key"
    openssl req -new -config "$d/ca.cnf" -key "$key" -subj "$subject" \
        -out "$d/$name.csr" 2>/dev/null || return 1
    {
        echo "[ ext ]"
        if [ $kind = ca ]; then
            echo "basicConstraints = critical, CA:TRUE"
            echo "keyUsage = critical, keyCertSign, cRLSign"
        else
            echo "basicConstraints = CA:FALSE"
            echo "keyUsage = critical, digitalSignature, keyEncipherment"
            echo "extendedKeyUsage = serverAuth, clientAuth"
        fi
        echo "subjectKeyIdentifier = hash"
        [ "$issuer" = self ] || echo "authorityKeyIdentifier = keyid"
        [ -z "$san" ] || echo "subjectAltName = $san"
    } > "$d/$name.ext"
    local signer
    if [ "$issuer" = self ]; then
        signer="-selfsign -keyfile $key"
    else
        signer="-cert $d/$issuer.pem -keyfile $d/$issuer.key"
    fi
    local ext="-extfile $d/$name.ext -extensions ext"
    [ -z "$v1" ] || ext=""
    # shellcheck disable=SC2086
    openssl ca -batch -notext -config "$d/ca.cnf" $signer $ext \
        -startdate "$start" -enddate "$end" -in "$d/$name.csr" \
        -out "$d/$name.pem" 2>"$d/$name.err" || {
        cat "$d/$name.err" >&2
        return 1
    }
    if [ "$issuer" = self ]; then
        cp "$d/$name.pem" "$d/$name.chain.pem"
    else
        cat "$d/$name.pem" "$d/$issuer.chain.pem" > "$d/$name.chain.pem"
    fi
}

pki_ca() { # NAME SUBJECT [ISSUER] [opts...]
    local name=$1 subject=$2 issuer=${3:-self}
    shift 2
    [ $# -gt 0 ] && shift
    _pki_issue "$name" "$subject" "$issuer" ca days=3650 "$@"
}

pki_cert() { # NAME SUBJECT ISSUER [opts...]
    local name=$1 subject=$2 issuer=$3
    shift 3
    _pki_issue "$name" "$subject" "$issuer" leaf "$@"
}

# pki_thumbprint NAME -> SHA-1 of the DER certificate, upper-case hex
pki_thumbprint() {
    openssl x509 -in "$PKI_DIR/$1.pem" -noout -fingerprint -sha1 |
        sed 's/.*=//; s/://g'
}
