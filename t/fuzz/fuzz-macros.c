/*
 * fuzz-macros.c - the Sendmail and Postfix macro parsers with arbitrary
 * values: xtext, DNs (one-line and RFC 4514), ds_peer_tls under both
 * MTAs' rules, and the quoting that carries certificate names into the
 * log and into the mark header.
 *
 * Input: byte 0 picks the output buffer size (1..256) for the decoders;
 * the rest is the macro value.
 * Checks: decoders never write past the size they were given and say so
 * when the result does not fit; what they return is NUL-free and as long
 * as they claim; a CN handed to the decision is at most DS_CN_MAX octets;
 * quoted values and the mark header hold printable ASCII only (no CR or LF:
 * a certificate name cannot inject a header).
 */
#include "dsconfig.h"

#include <string.h>

#include "fuzz.h"
#include "headers.h"
#include "log.h"
#include "peer.h"

static void check_printable(const char *s, const char *what)
{
    for (const char *p = s; *p; p++)
        DS_FUZZ_CHECK(*p >= 0x20 && *p <= 0x7e, "%s: octet 0x%02x", what,
                      (unsigned char)*p);
}

static void check_tls(const struct ds_tls *t, const struct ds_peer_names *b)
{
    if (t->peer_cn != NULL) {
        DS_FUZZ_CHECK(t->peer_cn == b->cn, "peer CN outside its buffer");
        DS_FUZZ_CHECK(strlen(t->peer_cn) <= DS_CN_MAX, "CN of %zu octets",
                      strlen(t->peer_cn));
    }
    if (t->issuer_cn != NULL)
        DS_FUZZ_CHECK(t->issuer_cn == b->issuer, "issuer outside its buffer");
    DS_FUZZ_CHECK(t->verified == false || t->active, "verified without TLS");
}

static void check_mark(const char *v)
{
    char out[2048];
    struct ds_mark m = {.pass = true,
                        .domain = "woodgrovebank.com",
                        .peer = v,
                        .issuer = v,
                        .tls = v,
                        .connector = v};
    size_t n = ds_mark_format(out, sizeof(out), &m);
    DS_FUZZ_CHECK(n == strlen(out), "mark length %zu vs %zu", n, strlen(out));
    check_printable(out, "mark");
    m.pass = false;
    m.reason = v;
    ds_mark_format(out, sizeof(out), &m);
    check_printable(out, "monitor mark");
}

static int one(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t outsize = (size_t)data[0] + 1;
    char *v = ds_fuzz_str(data + 1, size - 1);
    char *out = malloc(outsize);
    if (out == NULL)
        abort();

    long n = ds_xtext_decode(v, out, outsize);
    if (n >= 0) {
        DS_FUZZ_CHECK((size_t)n < outsize, "xtext: %ld in %zu", n, outsize);
        DS_FUZZ_CHECK(strlen(out) == (size_t)n, "xtext: length %zu vs %ld",
                      strlen(out), n);
        DS_FUZZ_CHECK((size_t)n <= strlen(v), "xtext grew");
    }
    if (ds_dn_cn(v, out, outsize))
        DS_FUZZ_CHECK(strlen(out) < outsize, "dn: overflow");
    char decoded[1024];
    if (ds_xtext_decode(v, decoded, sizeof(decoded)) >= 0 &&
        ds_dn_cn(decoded, out, outsize))
        DS_FUZZ_CHECK(strlen(out) < outsize, "dn after xtext: overflow");

    /* The value as each macro, under both MTAs' rules. */
    static const char *const verify[] = {"OK", "TRUSTED", "FAIL", NULL};
    for (int i = 0; i < 4; i++) {
        struct ds_macros m = {.tls_version = "TLSv1.3",
                              .cert_subject = v,
                              .cert_issuer = v,
                              .verify = verify[i],
                              .cn_subject = i == 1 ? v : NULL,
                              .cn_issuer = i == 2 ? v : NULL};
        struct ds_tls t;
        struct ds_peer_names b;
        ds_peer_tls(DS_MTA_SENDMAIL, &m, &t, &b);
        check_tls(&t, &b);
        DS_FUZZ_CHECK(t.verified == (i < 2), "sendmail verify %d", i);
        ds_peer_tls(DS_MTA_POSTFIX, &m, &t, &b);
        check_tls(&t, &b);
        m.tls_version = v;
        m.cipher = i == 3 ? NULL : v;
        m.v = v;
        ds_peer_tls(DS_MTA_AUTO, &m, &t, &b);
        check_tls(&t, &b);
        if (t.version != NULL)
            DS_FUZZ_CHECK(strlen(t.version) < sizeof(b.version), "version");
    }

    n = (long)ds_quote(out, outsize, v);
    DS_FUZZ_CHECK((size_t)n < outsize && strlen(out) == (size_t)n,
                  "quote: %ld in %zu", n, outsize);
    check_printable(out, "quoted value");
    size_t off = 0;
    out[0] = '\0'; /* ds_log_kv appends to a terminated line */
    ds_log_kv(out, outsize, &off, "peer", v);
    DS_FUZZ_CHECK(off < outsize && strlen(out) == off, "log_kv: %zu in %zu",
                  off, outsize);
    check_printable(out, "log field");
    check_mark(v);
    if (ds_header_is_mark(v, "X-Domain-Secure"))
        DS_FUZZ_CHECK(ds_strcasecmp(v, "x-domain-secure") == 0,
                      "'%s' taken for the mark", v);

    free(out);
    free(v);
    return 0;
}

DS_FUZZ_TARGET("macros", NULL, one)
