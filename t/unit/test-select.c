/*
 * test-select.c - the best-certificate order, with certificates made here
 * with the OpenSSL API: newest NotBefore first, the first valid PKI
 * certificate, else the first self-signed one, an untrusted CA-issued one
 * never, ties by thumbprint, ineligible ones last; chain validation at the
 * time asked (an intermediate that expires), the leaf's own expiry not
 * counted against PKI; the same answer every time (a pure function).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certstore.h"
#include "select.h"
#include "tap.h"

static char dir[] = "/tmp/ds-test-select-XXXXXX";
static long serial = 1;

struct made {
    X509 *x;
    EVP_PKEY *k;
};

static long long when(const char *iso)
{
    long long t = 0;
    if (ds_time_parse(iso, &t) < 0)
        abort();
    return t;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

/* A certificate for cn (and DNS:cn), signed by `by` (NULL: self). */
static struct made make(const char *cn, const struct made *by, const char *nb,
                        const char *na, bool ca)
{
    struct made m = {X509_new(), EVP_EC_gen("P-256")};
    X509_set_version(m.x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(m.x), serial++);
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(m.x, n);
    X509_set_issuer_name(m.x, by ? X509_get_subject_name(by->x) : n);
    X509_NAME_free(n);
    ASN1_TIME_set(X509_getm_notBefore(m.x), (time_t)when(nb));
    ASN1_TIME_set(X509_getm_notAfter(m.x), (time_t)when(na));
    X509_set_pubkey(m.x, m.k);
    if (ca) {
        add_ext(m.x, NULL, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(m.x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        char san[300];
        snprintf(san, sizeof(san), "DNS:%s", cn);
        add_ext(m.x, NULL, NID_subject_alt_name, san);
    }
    X509_sign(m.x, by ? by->k : m.k, EVP_sha256());
    return m;
}

static const char *path(const char *name, const char *ext)
{
    static char buf[8][512];
    static int i;
    i = (i + 1) % 8;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s.%s", dir, name, ext);
    return buf[i];
}

static void save(const char *name, const struct made *m)
{
    FILE *fp = fopen(path(name, "pem"), "w");
    PEM_write_X509(fp, m->x);
    fclose(fp);
    fp = fopen(path(name, "key"), "w");
    PEM_write_PrivateKey(fp, m->k, NULL, NULL, 0, NULL, NULL);
    fclose(fp);
    chmod(path(name, "key"), 0600);
}

static void drop(struct made *m)
{
    X509_free(m->x);
    EVP_PKEY_free(m->k);
}

static char *thumb(const struct made *m, char *out)
{
    unsigned char md[20];
    unsigned len;
    X509_digest(m->x, EVP_sha1(), md, &len);
    for (unsigned i = 0; i < len; i++)
        sprintf(out + 2 * i, "%02X", md[i]);
    return out;
}

static struct ds_config *cfg;
static struct ds_certstore *store;

/* Certificates: name, then "nokey" for no key line. */
static void load(const char *const *certs, const char *connectors)
{
    FILE *fp = fopen(path("domsec", "conf"), "w");
    fprintf(fp,
            "server {\n  fqdn = \"mail1.example.com\"\n"
            "  trust_store = \"%s\"\n}\n",
            path("root", "pem"));
    for (; *certs; certs++) {
        bool nokey = strncmp(*certs, "nokey:", 6) == 0;
        const char *n = nokey ? *certs + 6 : *certs;
        fprintf(fp, "certificate \"%s\" {\n  cert = \"%s\"\n", n,
                path(n, "pem"));
        if (!nokey)
            fprintf(fp, "  key = \"%s\"\n", path(n, "key"));
        fprintf(fp, "}\n");
    }
    fputs(connectors, fp);
    fclose(fp);
    struct ds_diag d = {0};
    cfg = ds_config_load(path("domsec", "conf"), &d);
    store = cfg ? ds_certstore_load(cfg, &d) : NULL;
    if (!ok(store != NULL, "configuration and store load"))
        ds_diag_print(&d, stdout);
    ds_diag_free(&d);
}

static void unload(void)
{
    ds_certstore_free(store);
    ds_config_free(cfg);
    store = NULL;
    cfg = NULL;
}

static const struct ds_result *run(struct ds_selection *sel, const char *at,
                                   const char *connector)
{
    ds_select_run(cfg, store, when(at), NULL, sel);
    return ds_select_find(sel, connector, DS_DIR_RECEIVE, DS_KIND_STARTTLS);
}

static const char *reason0(const struct ds_result *r, size_t i)
{
    return i < r->ncand && r->cand[i].reasons.n ? r->cand[i].reasons.v[0] : "";
}

static void test_order(struct made *root)
{
    struct made rogue = make("Rogue CA", NULL, "2020-01-01", "2040-01-01", 1);
    struct made p1 = make("a.example.com", root, "2026-01-01", "2028-01-01", 0);
    struct made p2 = make("a.example.com", root, "2026-02-01", "2028-01-01", 0);
    struct made s1 = make("a.example.com", NULL, "2026-03-01", "2028-01-01", 0);
    struct made u1 =
        make("a.example.com", &rogue, "2026-04-01", "2028-01-01", 0);
    struct made n1 = make("a.example.com", root, "2026-05-01", "2028-01-01", 0);
    struct made t1 = make("t.example.com", root, "2026-01-01", "2028-01-01", 0);
    struct made t2 = make("t.example.com", root, "2026-01-01", "2028-01-01", 0);
    save("p1", &p1), save("p2", &p2), save("s1", &s1), save("u1", &u1);
    save("n1", &n1), save("t1", &t1), save("t2", &t2);
    load((const char *const[]){"p1", "nokey:n1", "s1", "u1", "p2", "t1", "t2",
                               NULL},
         "receive_connector \"A\" { fqdn = \"a.example.com\" }\n"
         "receive_connector \"T\" { fqdn = \"t.example.com\" }\n");
    if (store == NULL)
        return;
    struct ds_selection sel;
    const struct ds_result *r = run(&sel, "2026-06-01", "A");
    char tp[41];
    ok(r && r->selected && strcmp(r->selected->name, "p2") == 0,
       "newest valid PKI certificate wins over newer self-signed and "
       "untrusted ones");
    const char *order[] = {"u1", "s1", "p2", "p1", "n1"};
    for (size_t i = 0; r && i < 5; i++)
        is_str(i < r->ncand ? r->cand[i].cert->name : NULL, order[i],
               "candidate %zu: eligible first, newest NotBefore first", i);
    if (r && r->ncand == 5) {
        ok(strncmp(reason0(r, 0), "untrusted issuer (", 18) == 0,
           "untrusted CA-issued: 'untrusted issuer'");
        is_str(reason0(r, 1),
               "self-signed; a valid PKI certificate is preferred",
               "self-signed beside PKI: the reason");
        is_int(r->cand[2].reasons.n, 0, "the selected one has no reason");
        is_str(reason0(r, 3), "older than the selected certificate (NotBefore)",
               "older PKI: the reason");
        is_str(reason0(r, 4), "no private key", "no key: last, not eligible");
        ok(!r->cand[4].eligible, "no key: eligible false");
    }
    ds_selection_free(&sel);

    r = run(&sel, "2026-06-01", "T");
    const char *low =
        strcmp(thumb(&t1, tp), thumb(&t2, (char[41]){0})) < 0 ? "t1" : "t2";
    ok(r && r->selected && strcmp(r->selected->name, low) == 0,
       "same NotBefore: the lower thumbprint wins");
    if (r && r->ncand == 2)
        is_str(reason0(r, 1),
               "same NotBefore as the selected certificate; its thumbprint "
               "sorts after it",
               "tie: the loser's reason");
    ds_selection_free(&sel);

    /* what-if: without the PKI certificates the self-signed one is chosen,
     * never the newer CA-issued one whose chain does not verify */
    is_int(ds_certstore_remove(store, thumb(&p2, tp)), 1, "remove p2");
    r = run(&sel, "2026-06-01", "A");
    ok(r && r->selected && strcmp(r->selected->name, "p1") == 0,
       "without p2: the older PKI certificate");
    ds_selection_free(&sel);
    ds_certstore_remove(store, thumb(&p1, tp));
    r = run(&sel, "2026-06-01", "A");
    ok(r && r->selected && strcmp(r->selected->name, "s1") == 0,
       "no valid PKI certificate: the first self-signed one");
    ds_selection_free(&sel);
    ds_certstore_remove(store, thumb(&s1, tp));
    r = run(&sel, "2026-06-01", "A");
    ok(r && r->selected == NULL && !r->advertise && r->nevents == 1 &&
           r->events[0].id == 12014,
       "only an untrusted certificate left: none chosen, 12014");
    ds_selection_free(&sel);
    unload();
    drop(&rogue), drop(&p1), drop(&p2), drop(&s1), drop(&u1), drop(&n1);
    drop(&t1), drop(&t2);
}

static void test_time(struct made *root)
{
    struct made ica =
        make("Short Issuing CA", root, "2020-01-01", "2027-01-01", 1);
    struct made c1 = make("c.example.com", &ica, "2026-01-01", "2030-01-01", 0);
    struct made e1 = make("e.example.com", root, "2020-01-01", "2021-01-01", 0);
    save("c1", &c1), save("e1", &e1);
    FILE *fp = fopen(path("c1", "pem"), "a"); /* the chain after the leaf */
    PEM_write_X509(fp, ica.x);
    fclose(fp);
    load((const char *const[]){"c1", "e1", NULL},
         "receive_connector \"C\" { fqdn = \"c.example.com\" }\n"
         "receive_connector \"E\" { fqdn = \"e.example.com\" }\n");
    if (store == NULL)
        return;
    struct ds_selection sel;
    const struct ds_result *r = run(&sel, "2026-06-01", "C");
    ok(r && r->selected && r->advertise,
       "intermediate valid at T: the certificate is valid PKI");
    ds_selection_free(&sel);
    r = run(&sel, "2027-06-01", "C");
    ok(r && r->selected == NULL && r->ncand == 1 &&
           strstr(reason0(r, 0), "untrusted issuer (certificate has expired)"),
       "intermediate expired at T: untrusted, never chosen");
    ds_selection_free(&sel);
    r = run(&sel, "2026-06-01", "C");
    ok(r && r->selected, "back at the first time: valid again (cached per T)");
    ds_selection_free(&sel);

    const struct ds_cert *e =
        ds_certstore_find(store, thumb(&e1, (char[41]){0}));
    ok(e && ds_cert_pki(store, e, when("2026-06-01"), NULL) == DS_PKI_VALID,
       "the leaf's own expiry does not make it non-PKI");
    r = run(&sel, "2026-06-01", "E");
    ok(r && r->selected == e && r->advertise && r->nevents == 1 &&
           r->events[0].id == 12016 && r->events[0].sev == DS_SEV_WARNING,
       "expired leaf, 2016 rules: used, with warning 12016");
    ds_selection_free(&sel);

    /* pure: the same inputs give the same result */
    struct ds_selection a, b;
    ds_select_run(cfg, store, when("2026-06-01"), NULL, &a);
    ds_select_run(cfg, store, when("2026-06-01"), NULL, &b);
    bool same = a.n == b.n;
    for (size_t i = 0; same && i < a.n; i++) {
        same = a.v[i].selected == b.v[i].selected &&
               a.v[i].advertise == b.v[i].advertise &&
               a.v[i].trace.n == b.v[i].trace.n;
        for (size_t j = 0; same && j < a.v[i].trace.n; j++)
            same = strcmp(a.v[i].trace.v[j], b.v[i].trace.v[j]) == 0;
    }
    ok(same && a.n == 2, "two runs, same results and traces");
    ok(ds_select_all_advertise(&a), "all advertise at 2026-06-01");
    ds_selection_free(&a);
    ds_selection_free(&b);
    unload();
    drop(&ica), drop(&c1), drop(&e1);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    struct made root = make("Test Root", NULL, "2020-01-01", "2040-01-01", 1);
    save("root", &root);
    test_order(&root);
    test_time(&root);
    drop(&root);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
