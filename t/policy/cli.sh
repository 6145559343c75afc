#!/bin/sh
# cli.sh - the command line contract (doc/design.md): usage errors exit
# 64, configuration errors 78 with file:line and a hint, --help and
# --version, check-config, and every field of `select --json`.
set -u
. "${top_srcdir:-.}/t/lib/tap.sh"

pki_init "$T_DIR/pki"
P=$PKI_DIR
pki_ca root "/CN=Root" self start=20200101000000Z end=20400101000000Z
pki_cert a "/O=Contoso/CN=mail.contoso.com" root san=DNS:mail.contoso.com \
    start=20260101000000Z end=20270101000000Z
cat >"$T_DIR/domsec.conf" <<CONF
server {
  fqdn = "mail1.contoso.com"
  trust_store = "$P/root.pem"
}
certificate "a" {
  cert = "$P/a.pem"
  key = "$P/a.key"
}
receive_connector "Inet" {
  fqdn = "mail.contoso.com"
}
send_connector "Internet" {
  address_spaces = { "*" }
  fqdn = "mail.contoso.com"
}
CONF
C="-c $T_DIR/domsec.conf --at 2026-06-01"

# usage errors: 64
usage64() { # DESC TEXT ARGS...
    local desc=$1 text=$2
    shift 2
    dsp "$@"
    rc_is 64 "usage error: $desc: exit 64"
    has "$ERR" "$text" "usage error: $desc: message"
}
usage64 "no command" "domsec-policy: no command given" $C
usage64 "unknown command" "unknown command 'frobnicate'" $C frobnicate
usage64 "unknown option" "unknown option '--bogus'" $C select --bogus
usage64 "option without value" "option '--at' needs a value" select --at
usage64 "bad --at" "--at: cannot read the time 'yesterday'" \
    -c "$T_DIR/domsec.conf" --at yesterday select
usage64 "--days on select" "--days is an option of lint, not of 'select'" \
    $C select --days 3
usage64 "bad --days" "--days: 'soon' is not a number of days" $C lint --days soon
usage64 "bad thumbprint" "--without: 'XYZ' is not a SHA-1 thumbprint" \
    $C --without XYZ select
usage64 "unknown thumbprint" \
    "--without: no certificate with thumbprint 0000000000000000000000000000000000000000 in the store" \
    $C --without 0000000000000000000000000000000000000000 select
usage64 "unknown connector" "no connector named 'Nope' in $T_DIR/domsec.conf" \
    $C select Nope
usage64 "arguments to certs" "'certs' takes no arguments" $C certs extra
has "$ERR" "Try 'domsec-policy --help'." "usage errors point at --help"

dsp --help
rc_is 0 "--help exits 0"
for cmd in "select [CONNECTOR...]" "explain [CONNECTOR...]" "lint [--days N]" \
    certs check-config "--at TIME" "--with CERT[:KEY]" "--without THUMBPRINT" \
    "--json" "-c, --config FILE"; do
    has "$OUT" "$cmd" "--help mentions $cmd"
done
dsp -h
rc_is 0 "-h exits 0"
dsp --version
rc_is 0 "--version exits 0"
has "$OUT" "domsec-policy 0.1.0" "--version prints the version"

# configuration errors: 78 with file:line and a hint
dsp -c "$T_DIR/none.conf" check-config
rc_is 78 "missing configuration: exit 78"
has "$ERR" "$T_DIR/none.conf: error: cannot read the configuration" \
    "missing configuration: the message names the file"
# (the default is configure's SYSCONFDIR/domsec/domsec.conf: config-path.sh)
default=$("$DSP" --help | sed -n 's/.*configuration (default \(.*\))$/\1/p')
if [ ! -e "$default" ]; then
    dsp check-config
    has "$ERR" "$default: error: cannot read the configuration" \
        "without -c: the default path from --help ($default)"
else
    _tap 0 "without -c: $default # SKIP it exists here"
fi
printf 'server {\n  fqdn = "a.example"\n  bogus = 1\n}\n' >"$T_DIR/bad.conf"
dsp -c "$T_DIR/bad.conf" select
rc_is 78 "unknown option: exit 78"
has "$ERR" "$T_DIR/bad.conf:3: error: server: no such option 'bogus'" \
    "unknown option: file:line"
has "$ERR" "    hint: options allowed in server" "unknown option: hint"
printf '# comment\nreceive_connector "Inet" {\n  auth_mechanism = { "exchange_server" }\n  domain_secure_enabled = true\n}\n' \
    >"$T_DIR/bad.conf"
dsp -c "$T_DIR/bad.conf" lint
rc_is 78 "contradiction: exit 78 (lint too)"
has "$ERR" "$T_DIR/bad.conf:4: error: receive_connector \"Inet\": domain_secure_enabled: domain security needs TLS" \
    "contradiction: file:line"
dsp -c "$T_DIR/bad.conf" check-config --json
rc_is 78 "check-config --json on a bad config: exit 78"
jqis '.ok' false "check-config --json: ok false"
jqis '.errors[0].line' 4 "check-config --json: the error's line"
jqis '.errors[0].hint | startswith("add \"tls\" to auth_mechanism")' true \
    "check-config --json: the error's hint"

dsp $C check-config
rc_is 0 "check-config: exit 0"
has "$OUT" "$T_DIR/domsec.conf: OK: 1 certificate(s), 1 receive connector(s), 1 send connector(s)" \
    "check-config: summary"
dsp $C check-config --json
jqis '.ok' true "check-config --json: ok true"
jqis '.certificates' 1 "check-config --json: certificates counted"

# the select --json contract, field by field
dsp $C select --json
rc_is 0 "select: exit 0"
jqis 'keys | join(",")' "at,results,rules" "top level: at, rules, results"
jqis '.at' 2026-06-01T00:00:00Z "at: ISO 8601"
jqis '.rules' 2016 "rules: the rule set"
jqis '.results[0] | keys_unsorted | join(",")' \
    "connector,direction,kind,name,advertise,selected,candidates,events,trace" \
    "result: exactly the contract's fields"
jqis '.results[0].selected | keys_unsorted | join(",")' \
    "thumbprint,sha256,certificate,subject,issuer,not_before,not_after,self_signed,pki_valid,expired" \
    "selected: exactly the contract's fields"
jqis '.results[0].candidates[0] | keys_unsorted | join(",")' \
    "thumbprint,eligible,reasons" "candidate: exactly the contract's fields"
jqis '[.results[] | "\(.connector)/\(.direction)/\(.kind)"] | join(" ")' \
    "Inet/receive/starttls Internet/send/starttls" \
    "one result per connector and kind, receive connectors first"
jqis '.results[0].selected.thumbprint' "$(pki_thumbprint a)" \
    "selected.thumbprint: upper-case SHA-1"
jqis '.results[0].selected.sha256' \
    "$(openssl x509 -in "$P/a.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')" \
    "selected.sha256: upper-case SHA-256"
jqis '.results[0].selected.certificate' a "selected.certificate: the section"
jqis '.results[0].selected.subject' "CN=mail.contoso.com, O=Contoso" \
    "selected.subject: Windows form"
jqis '.results[0].selected.issuer' "CN=Root" "selected.issuer: Windows form"
jqis '[.results[0].trace[] | type] | unique | join(",")' string \
    "trace: an array of strings"
jqis '.results[0].trace[-1]' \
    "result: STARTTLS advertised with \"a\" ($(pki_thumbprint a))" \
    "trace: ends with the result"
jqis '.results[1].trace[-1]' \
    "result: client certificate \"a\" ($(pki_thumbprint a))" \
    "send connector trace: the client certificate"
dsp $C --at 2026-12-20 select --json Inet
jqis '.results[0].events[0] | keys_unsorted | join(",")' "id,severity,text" \
    "event: exactly the contract's fields"
jqis '.results[0].events[0].id | type' number "event id: a number"

dsp $C explain --json Inet
jqis '.results[0].connector' Inet "explain --json: the same document"

# certs, as text and JSON
dsp $C certs
rc_is 0 "certs: exit 0"
has "$OUT" "    thumbprint   $(pki_thumbprint a)" "certs: thumbprint"
has "$OUT" "    names        CN mail.contoso.com; SAN mail.contoso.com" \
    "certs: CN and SAN names"
has "$OUT" "    valid        2026-01-01T00:00:00Z to 2027-01-01T00:00:00Z (expires in 214 days)" \
    "certs: validity, days left at --at"
has "$OUT" "    key          $P/a.key (matches)" "certs: the key matches"
has "$OUT" "    chain        valid PKI" "certs: chain verdict"
has "$OUT" "    used by      receive Inet (starttls), send Internet (starttls)" \
    "certs: the connectors that use it"
has "$OUT" "    tls_certificate_name = \"<I>CN=Root<S>CN=mail.contoso.com, O=Contoso\"" \
    "certs: the string to paste"
dsp $C certs --json
jqis '.certificates[0] | [.version, .has_key, .pki_valid, .self_signed, .expired, (.services | join(","))] | map(tostring) | join(" ")' \
    "3 true true false false smtp" "certs --json: version, key, chain, services"
jqis '.certificates[0].used_by | map(.connector) | join(",")' "Inet,Internet" \
    "certs --json: used_by"

printf 'server {\n  fqdn = "a.example"\n}\n' >"$T_DIR/empty.conf"
dsp -c "$T_DIR/empty.conf" select --json
rc_is 0 "no connector: exit 0"
jqis '.results | length' 0 "no connector: no results"
dsp -c "$T_DIR/empty.conf" select
has "$OUT" "no connector uses TLS" "no connector: said in text"

# apply postfix: usage, and what it needs before it changes anything
dsp -c "$T_DIR/empty.conf" apply sendmail
rc_is 64 "apply sendmail: usage error"
has "$ERR" "apply needs one MTA: postfix" "apply sendmail: says what it takes"
dsp -c "$T_DIR/empty.conf" apply postfix --json
rc_is 64 "apply --json: usage error"
dsp -c "$T_DIR/empty.conf" select --dry-run
rc_is 64 "--dry-run is apply's own option"
dsp -c "$T_DIR/empty.conf" apply postfix --config-directory "$T_DIR/nowhere"
rc_is 66 "apply: a directory without main.cf: exit 66"
has "$ERR" "$T_DIR/nowhere: not a Postfix configuration directory" \
    "apply: ... names the directory"
mkdir -p "$T_DIR/pfetc" && : >"$T_DIR/pfetc/main.cf" && : >"$T_DIR/pfetc/master.cf"
dsp -c "$T_DIR/bad.conf" apply postfix --config-directory "$T_DIR/pfetc" --revert
rc_is 66 "apply --revert before any apply: exit 66 (domsec.conf is not read)"
has "$ERR" "nothing to revert: $T_DIR/pfetc/domsec/backup/main.cf does not exist" \
    "apply --revert: says where the backup would be"

done_testing
