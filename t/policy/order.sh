#!/bin/sh
# order.sh - the best certificate among eligible ones: sorted by NotBefore,
# newest first; the first valid PKI certificate wins, else the first
# self-signed one; a CA-issued certificate whose chain does not verify is
# never chosen; ties by thumbprint. Chains through `chain` files and
# through other certificates of the store. --with and --without.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

pki_init "$T_DIR/pki"
P=$PKI_DIR
END="end=20280101000000Z"
D1="start=20260101000000Z $END"
D2="start=20260201000000Z $END"
D3="start=20260301000000Z $END"
pki_ca root "/O=Contoso/CN=Contoso Root CA" self \
    start=20200101000000Z end=20400101000000Z
pki_ca ica "/O=Contoso/CN=Contoso Issuing CA" root \
    start=20200101000000Z end=20400101000000Z
pki_ca ica2 "/O=Contoso/CN=Contoso Issuing CA 2" root \
    start=20200101000000Z end=20400101000000Z
pki_ca ica3 "/O=Contoso/CN=Contoso Issuing CA 3" root \
    start=20200101000000Z end=20400101000000Z
pki_ca rogue "/O=Rogue/CN=Rogue CA" self \
    start=20200101000000Z end=20400101000000Z
# a trusted CA whose name is also its leaf's name: issuer == subject, but
# the leaf is not signed by its own key, so it is not self-signed
pki_ca samename "/CN=same.contoso.com" self \
    start=20200101000000Z end=20400101000000Z
cat "$P/root.pem" "$P/samename.pem" >"$P/trust.pem"
leaf() { # NAME HOST ISSUER DATES
    pki_cert "$1" "/O=Contoso/CN=$2" "$3" san=DNS:$2 $4
}
leaf mixed_pki mixed.contoso.com root "$D1"
leaf mixed_ss mixed.contoso.com self "$D3"
leaf two_old two.contoso.com root "$D1"
leaf two_new two.contoso.com root "$D2"
leaf ss_old ss.contoso.com self "$D1"
leaf ss_new ss.contoso.com self "$D2"
leaf untr_ss untr.contoso.com self "$D1"
leaf untr_ca untr.contoso.com rogue "$D3"
leaf only_untr onlyuntr.contoso.com rogue "$D1"
leaf tie_a tie.contoso.com root "$D1"
leaf tie_b tie.contoso.com root "$D1"
leaf viachain chain.contoso.com ica "$D1"
leaf viastore store.contoso.com ica "$D1"
leaf nochain nochain.contoso.com ica2 "$D1"
leaf carrier carrier.contoso.com ica "$D1"
leaf extra two.contoso.com root "$D3"
leaf viaca viaca.contoso.com ica3 "$D1"
pki_cert same "/CN=same.contoso.com" samename san=DNS:same.contoso.com $D1

cert() { # NAME [CERTFILE] [CHAIN]
    printf 'certificate "%s" {\n  cert = "%s"\n  key = "%s/%s.key"\n' \
        "$1" "${2:-$P/$1.pem}" "$P" "$1"
    [ -z "${3-}" ] || printf '  chain = "%s"\n' "$3"
    echo "}"
}
{
    printf 'server {\n  fqdn = "mail1.contoso.com"\n'
    printf '  trust_store = "%s/trust.pem"\n}\n' "$P"
    for c in mixed_pki mixed_ss two_old two_new ss_old ss_new untr_ss \
        untr_ca only_untr tie_a tie_b viastore viaca same; do
        cert $c
    done
    cert viachain "" "$P/ica.pem"
    cert nochain
    # carries the intermediate that completes viastore's chain
    cert carrier "$P/carrier.chain.pem"
    # an intermediate CA certificate in the store, without key
    printf 'certificate "ica3" {\n  cert = "%s/ica3.pem"\n}\n' "$P"
    for n in mixed two ss untr onlyuntr tie chain store nochain viaca same; do
        printf 'receive_connector "%s" {\n  fqdn = "%s.contoso.com"\n}\n' \
            $n $n
    done
} >"$T_DIR/domsec.conf"
C="-c $T_DIR/domsec.conf --at 2026-06-01"
r() { echo ".results[] | select(.connector == \"$1\") | $2"; }
tp() { pki_thumbprint "$1"; }

dsp $C select --json
jqis "$(r mixed .selected.certificate)" mixed_pki \
    "valid PKI beats a newer self-signed certificate"
jqis "$(r mixed '[.candidates[].thumbprint] | join(",")')" \
    "$(tp mixed_ss),$(tp mixed_pki)" "candidates sorted newest first"
jqis "$(r mixed '.candidates[0].reasons[0]')" \
    "self-signed; a valid PKI certificate is preferred" \
    "the self-signed one says why it lost"
jqis "$(r mixed '.candidates[1].reasons | length')" 0 \
    "the selected candidate has no reasons"
jqis "$(r mixed .selected.pki_valid)" true "selected.pki_valid"
jqis "$(r mixed .selected.self_signed)" false "selected.self_signed"

jqis "$(r two .selected.certificate)" two_new \
    "two valid PKI certificates: the newer NotBefore wins"
jqis "$(r two '.candidates[1].reasons[0]')" \
    "older than the selected certificate (NotBefore)" \
    "the older one says why it lost"

jqis "$(r ss .selected.certificate)" ss_new \
    "only self-signed: the newest self-signed certificate"
jqis "$(r ss .selected.self_signed)" true "self-signed: self_signed true"
jqis "$(r ss .selected.pki_valid)" false "self-signed: pki_valid false"
jqis "$(r ss '.candidates[1].reasons[0]')" \
    "self-signed; a newer self-signed certificate was selected" \
    "the older self-signed one says why it lost"

jqis "$(r untr .selected.certificate)" untr_ss \
    "CA-issued with an untrusted issuer is never chosen, even when newer"
jqis "$(r untr '.candidates[0].reasons[0]')" \
    "untrusted issuer (unable to get local issuer certificate)" \
    "untrusted issuer: the reason, with OpenSSL's verification error"
jqis "$(r untr '.candidates[0].eligible')" true \
    "an untrusted certificate is eligible, but not chosen"
jqis "$(r onlyuntr .advertise)" false \
    "only an untrusted certificate: STARTTLS not advertised"
jqis "$(r onlyuntr '.events[0].id')" 12014 "only untrusted: event 12014"

first=$( (tp tie_a; tp tie_b) | sort | head -1)
jqis "$(r tie .selected.thumbprint)" "$first" \
    "same NotBefore: the lower thumbprint wins"
jqis "$(r tie '.candidates[1].reasons[0]')" \
    "same NotBefore as the selected certificate; its thumbprint sorts after it" \
    "the tie loser says why"

jqis "$(r chain .selected.pki_valid)" true \
    "intermediate from the chain file: valid PKI"
jqis "$(r store .selected.pki_valid)" true \
    "intermediate from another certificate of the store: valid PKI"
jqis "$(r viaca .selected.pki_valid)" true \
    "intermediate that is itself a certificate of the store: valid PKI"
jqis "$(r same .selected.self_signed)" false \
    "issuer equals subject but another key signed it: not self-signed"
jqis "$(r same .selected.pki_valid)" true \
    "... and its chain verifies: valid PKI"
jqis "$(r nochain .advertise)" false \
    "intermediate nowhere in the store: untrusted, not advertised"

# what-if
dsp $C --with "$P/extra.pem:$P/extra.key" select --json two
jqis "$(r two .selected.certificate)" "$P/extra.pem" \
    "--with CERT:KEY: the added certificate is named by its path and wins"
dsp $C --with "$P/extra.pem:" select --json two
jqis "$(r two .selected.certificate)" two_new \
    "--with CERT: (empty key part): no key"
dsp $C --with "$P/extra.pem" select --json two
jqis "$(r two .selected.certificate)" two_new \
    "--with CERT without key: not eligible"
jqis "$(r two "[.candidates[] | select(.thumbprint == \"$(tp extra)\")] | .[0].reasons[0]")" \
    "no private key" "--with CERT without key: reason no private key"
dsp $C --without "$(tp two_new)" select --json two
jqis "$(r two .selected.certificate)" two_old \
    "--without the winner: the next one is selected"
dsp $C --without "$(tp two_new | tr A-F a-f | sed 's/../&:/g; s/:$//')" \
    select --json two
jqis "$(r two .selected.certificate)" two_old \
    "--without accepts lower case and colons"
dsp $C --without "$(tp two_new)" --without "$(tp two_old)" select two
rc_is 1 "--without twice: both removed, nothing left"

done_testing
