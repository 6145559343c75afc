/*
 * config.c - the configuration schema (one libconfuse table), and the one
 * function that parses, validates and freezes it into struct ds_config.
 *
 * Must not: read certificates or keys, log, or exit. Every error carries
 * the real file:line (see srcmap.c) and a fix hint.
 */
#include "dsconfig.h"

#include <confuse.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "config_int.h"
#include "names.h"
#include "srcmap.h"

/* ---- the schema --------------------------------------------------------- */

static cfg_opt_t server_opts[] = {
    CFG_STR("fqdn", "", CFGF_NONE),
    CFG_STR("hostname", "", CFGF_NONE),
    CFG_STR("physical_fqdn", "", CFGF_NONE),
    CFG_STR("physical_hostname", "", CFGF_NONE),
    CFG_STR("internal_certificate", "", CFGF_NONE),
    CFG_STR("trust_store", "/etc/ssl/certs/ca-certificates.crt", CFGF_NONE),
    CFG_STR("selection_rules", "2016", CFGF_NONE),
    CFG_INT("expiry_warning_days", 30, CFGF_NONE),
    CFG_END()};

static cfg_opt_t transport_opts[] = {
    CFG_STR_LIST("tls_receive_domain_secure_list", "{}", CFGF_NONE),
    CFG_STR_LIST("tls_send_domain_secure_list", "{}", CFGF_NONE),
    CFG_STR("partner_trust_store", "", CFGF_NONE), CFG_END()};

/* Titled sections carry their title in DS_SRCMAP_TITLE (see srcmap.h). */
#define TITLE_OPT CFG_STR(DS_SRCMAP_TITLE, "", CFGF_NONE)

static cfg_opt_t certificate_opts[] = {
    TITLE_OPT,
    CFG_STR("cert", "", CFGF_NONE),
    CFG_STR("key", "", CFGF_NONE),
    CFG_STR("chain", "", CFGF_NONE),
    CFG_STR_LIST("services", "{smtp}", CFGF_NONE),
    CFG_END()};

static cfg_opt_t receive_opts[] = {
    TITLE_OPT,
    CFG_STR("daemon_name", "", CFGF_NONE),
    CFG_STR_LIST("bindings", "{}", CFGF_NONE),
    CFG_STR("fqdn", "", CFGF_NONE),
    CFG_STR_LIST("auth_mechanism", "{tls}", CFGF_NONE),
    CFG_BOOL("domain_secure_enabled", cfg_false, CFGF_NONE),
    CFG_BOOL("require_tls", cfg_false, CFGF_NONE),
    CFG_STR("tls_certificate_name", "", CFGF_NONE),
    CFG_END()};

static cfg_opt_t send_opts[] = {
    TITLE_OPT,
    CFG_STR_LIST("address_spaces", "{}", CFGF_NONE),
    CFG_BOOL("dns_routing_enabled", cfg_true, CFGF_NONE),
    CFG_STR_LIST("smart_hosts", "{}", CFGF_NONE),
    CFG_INT("port", 25, CFGF_NONE),
    CFG_STR("fqdn", "", CFGF_NONE),
    CFG_BOOL("domain_secure_enabled", cfg_false, CFGF_NONE),
    CFG_BOOL("require_tls", cfg_false, CFGF_NONE),
    CFG_STR("tls_certificate_name", "", CFGF_NONE),
    CFG_STR_LIST("smart_host_auth_mechanism", "{}", CFGF_NONE),
    CFG_END()};

static cfg_opt_t milter_opts[] = {
    CFG_STR("socket", "unix:/run/domsec/milter.sock", CFGF_NONE),
    CFG_STR("socket_mode", "0660", CFGF_NONE),
    CFG_STR("user", "", CFGF_NONE),
    CFG_STR("mode", "enforce", CFGF_NONE),
    CFG_STR("action", "reject", CFGF_NONE),
    CFG_STR("peer_match", "subdomain", CFGF_NONE),
    CFG_STR("header", "X-Domain-Secure", CFGF_NONE),
    CFG_STR("default_connector", "", CFGF_NONE),
    CFG_STR("mta", "auto", CFGF_NONE),
    CFG_STR("metrics_file", "", CFGF_NONE),
    CFG_STR("syslog_facility", "mail", CFGF_NONE),
    CFG_STR("log_level", "info", CFGF_NONE),
    CFG_END()};

static cfg_opt_t partner_opts[] = {TITLE_OPT,
                                   CFG_STR_LIST("peer_names", "{}", CFGF_NONE),
                                   CFG_STR_LIST("issuers", "{}", CFGF_NONE),
                                   CFG_STR("action", "", CFGF_NONE), CFG_END()};

/* Not CFGF_TITLE: titles are checked in check_titles() (srcmap.h says
 * why). */
#define SECTION_FLAGS CFGF_MULTI

static cfg_opt_t top_opts[] = {
    CFG_SEC("server", server_opts, CFGF_NONE),
    CFG_SEC("transport", transport_opts, CFGF_NONE),
    CFG_SEC("certificate", certificate_opts, SECTION_FLAGS),
    CFG_SEC("receive_connector", receive_opts, SECTION_FLAGS),
    CFG_SEC("send_connector", send_opts, SECTION_FLAGS),
    CFG_SEC("milter", milter_opts, CFGF_NONE),
    CFG_SEC("partner", partner_opts, SECTION_FLAGS),
    CFG_END()};

static const char *const titled_sections[] = {
    "certificate", "receive_connector", "send_connector", "partner", NULL};

/* The title of a section of a titled kind; NULL for the others. */
static const char *title_of(cfg_t *sec)
{
    for (const char *const *t = titled_sections; *t; t++)
        if (strcmp(sec->name, *t) == 0) {
            const char *v = cfg_getstr(sec, DS_SRCMAP_TITLE);
            return v && v[0] ? v : NULL;
        }
    return NULL;
}

/* ---- loading context and error reporting -------------------------------- */

struct loader {
    struct ds_config *cfg;
    struct ds_diag *diag;
    struct ds_srcmap *map;
    const char *file;
    unsigned flags; /* DS_CONFIG_* */
    /* the arena copies of the map's file names (a few files, many
     * places: a list of 10^6 values must not copy its name 10^6 times) */
    const char *names[16], *copies[16];
    int nnames;
};

/* libconfuse's error callback has no user pointer; loads are serialised
 * (the lexer is global anyway), so one static pointer is enough. */
static struct loader *current;

/* Edit distance, for "did you mean" hints on unknown options. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

static void unknown_option_hint(cfg_t *sec, const char *name, char *hint,
                                size_t size)
{
    const char *best = NULL;
    size_t bestd = 4;
    size_t off = 0;
    for (cfg_opt_t *o = sec->opts; o && o->name; o++) {
        size_t d = strncmp(o->name, "__", 2) ? distance(name, o->name) : 99;
        if (d < bestd) {
            bestd = d;
            best = o->name;
        }
    }
    if (best != NULL) {
        snprintf(hint, size, "did you mean '%s'?", best);
        return;
    }
    off = (size_t)snprintf(hint, size, "options allowed in %s: ",
                           strcmp(sec->name, "root") == 0 ? "the top level"
                                                          : sec->name);
    const char *sep = "";
    for (cfg_opt_t *o = sec->opts; o && o->name && off < size; o++) {
        if (strncmp(o->name, "__", 2) == 0)
            continue; /* DS_SRCMAP_TITLE */
        off += (size_t)snprintf(hint + off, size - off, "%s%s", sep, o->name);
        sep = ", ";
    }
}

static void cb_error(cfg_t *cfg, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Does the flattened line hold a ';' outside quotes? (libconfuse has no
 * statement separator: "port = 587;" makes the value "587;".) */
static bool has_semicolon(const struct loader *L, int line)
{
    size_t len;
    const char *p = ds_srcmap_line(L->map, line, &len);
    char quote = 0;
    for (size_t i = 0; i < len; i++) {
        if (quote && p[i] == '\\')
            i++;
        else if (quote && p[i] == quote)
            quote = 0;
        else if (!quote && (p[i] == '"' || p[i] == '\''))
            quote = p[i];
        else if (!quote && p[i] == ';')
            return true;
    }
    return false;
}

#define SEMICOLON_HINT                                                         \
    "remove the ';' after the value: an option ends at the end of its line"

/* libconfuse reports in English only: its messages are mapped to codes
 * and hints here, at the one place they arrive. */
static enum ds_code libconfuse_code(struct loader *L, cfg_t *cfg,
                                    const char *msg, char *hint, size_t size)
{
    char name[200];
    if (strncmp(msg, "no such option '", 16) == 0 &&
        sscanf(msg + 16, "%199[^']", name) == 1) {
        if (name[0] == ';')
            snprintf(hint, size, SEMICOLON_HINT);
        else
            unknown_option_hint(cfg, name, hint, size);
        return DS_CODE_UNKNOWN_OPTION;
    }
    if (strstr(msg, "invalid boolean value")) {
        snprintf(hint, size, "%s",
                 has_semicolon(L, cfg->line) ? SEMICOLON_HINT
                                             : "write true or false");
        return DS_CODE_WRONG_TYPE;
    }
    if (strstr(msg, "invalid integer value")) {
        snprintf(hint, size, "%s",
                 has_semicolon(L, cfg->line) ? SEMICOLON_HINT
                                             : "write a whole number, such "
                                               "as 25");
        return DS_CODE_WRONG_TYPE;
    }
    if (strstr(msg, "duplicate title")) {
        snprintf(hint, size, "give every section of this kind its own title");
        return DS_CODE_DUPLICATE_NAME;
    }
    if (strstr(msg, "unexpected token") ||
        strstr(msg, "unexpected end of file"))
        snprintf(hint, size,
                 "check quotes, braces and '=' on this line and the one "
                 "before; lists are written { \"a\", \"b\" }");
    return DS_CODE_SYNTAX;
}

static void cb_error(cfg_t *cfg, const char *fmt, va_list ap)
{
    struct loader *L = current;
    char msg[1024], hint[512] = "";
    vsnprintf(msg, sizeof(msg), fmt, ap);

    const char *file;
    int line;
    ds_srcmap_locate(L->map, cfg->line, &file, &line);
    enum ds_code code = libconfuse_code(L, cfg, msg, hint, sizeof(hint));
    const char *where = strcmp(cfg->name, "root") == 0 ? NULL : cfg->name;
    const char *title = where ? title_of(cfg) : NULL;
    if (where && title)
        ds_diag_code(L->diag, code, file, line, hint[0] ? hint : NULL,
                     "%s \"%s\": %s", where, title, msg);
    else if (where)
        ds_diag_code(L->diag, code, file, line, hint[0] ? hint : NULL, "%s: %s",
                     where, msg);
    else
        ds_diag_code(L->diag, code, file, line, hint[0] ? hint : NULL, "%s",
                     msg);
}

/* The configuration's copy of a file name of the map (which is freed). */
static const char *file_copy(struct loader *L, const char *file)
{
    for (int i = 0; i < L->nnames; i++)
        if (L->names[i] == file)
            return L->copies[i];
    const char *c = ds_arena_strdup(&L->cfg->arena, file);
    if (c != NULL && L->nnames < (int)DS_ARRAY_LEN(L->names)) {
        L->names[L->nnames] = file;
        L->copies[L->nnames++] = c;
    }
    return c;
}

/* Locate option `opt` of section `sec`; falls back to the section, then to
 * the main file without a line. */
static struct ds_where where_of(struct loader *L, const char *sec,
                                const char *title, const char *opt)
{
    struct ds_where w = {L->file, 0};
    const char *file;
    int line;
    if ((opt && ds_srcmap_find(L->map, sec, title, opt, &file, &line)) ||
        ds_srcmap_find(L->map, sec, title, NULL, &file, &line)) {
        w.file = file_copy(L, file);
        w.line = line;
    }
    if (w.file == NULL)
        w.file = L->file;
    return w;
}

/* Where value i of the n values of list option `opt` was written; falls
 * back to the option (where_of). */
static struct ds_where where_entry(struct loader *L, const char *sec,
                                   const char *title, const char *opt, size_t i,
                                   size_t n)
{
    const char *file;
    int line;
    if (ds_srcmap_find_entry(L->map, sec, title, opt, i, n, &file, &line)) {
        struct ds_where w = {file_copy(L, file), line};
        if (w.file == NULL)
            w.file = L->file;
        return w;
    }
    return where_of(L, sec, title, opt);
}

static void vreport(struct loader *L, enum ds_code code, struct ds_where w,
                    const char *sec, const char *title, const char *opt,
                    const char *hint, const char *fmt, va_list ap)
    __attribute__((format(printf, 8, 0)));

static void vreport(struct loader *L, enum ds_code code, struct ds_where w,
                    const char *sec, const char *title, const char *opt,
                    const char *hint, const char *fmt, va_list ap)
{
    char msg[1024], full[1400];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (sec && title)
        snprintf(full, sizeof(full), "%s \"%s\": %s%s%s", sec, title,
                 opt ? opt : "", opt ? ": " : "", msg);
    else if (sec)
        snprintf(full, sizeof(full), "%s: %s%s%s", sec, opt ? opt : "",
                 opt ? ": " : "", msg);
    else
        snprintf(full, sizeof(full), "%s%s%s", opt ? opt : "", opt ? ": " : "",
                 msg);
    ds_diag_code(L->diag, code, w.file, w.line, hint, "%s", full);
}

/* A finding about option `opt` of a section (opt NULL: the section). */
static void report(struct loader *L, enum ds_code code, const char *sec,
                   const char *title, const char *opt, const char *hint,
                   const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void report(struct loader *L, enum ds_code code, const char *sec,
                   const char *title, const char *opt, const char *hint,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(L, code, where_of(L, sec, title, opt), sec, title, opt, hint, fmt,
            ap);
    va_end(ap);
}

/* A finding about value i of the n values of list option `opt`, at the
 * line the value is written on. */
static void report_entry(struct loader *L, enum ds_code code, const char *sec,
                         const char *title, const char *opt, size_t i, size_t n,
                         const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

static void report_entry(struct loader *L, enum ds_code code, const char *sec,
                         const char *title, const char *opt, size_t i, size_t n,
                         const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(L, code, where_entry(L, sec, title, opt, i, n), sec, title, opt,
            hint, fmt, ap);
    va_end(ap);
}

#define FIND(L, code, sec, title, opt, hint, ...)                              \
    report(L, code, sec, title, opt, hint, __VA_ARGS__)

/* ---- value helpers ------------------------------------------------------ */

/* A string option: NULL when empty, else a copy in the arena. */
static const char *str_opt(struct loader *L, cfg_t *sec, const char *name)
{
    const char *v = cfg_getstr(sec, name);
    if (v == NULL || v[0] == '\0')
        return NULL;
    return ds_arena_strdup(&L->cfg->arena, v);
}

static struct ds_strlist list_opt(struct loader *L, cfg_t *sec,
                                  const char *name, bool lower)
{
    struct ds_strlist l = {0};
    unsigned n = cfg_size(sec, name);
    if (n == 0)
        return l;
    l.v = ds_arena_calloc(&L->cfg->arena, n, sizeof(*l.v));
    if (l.v == NULL)
        return l;
    for (unsigned i = 0; i < n; i++) {
        char *s = ds_arena_strdup(&L->cfg->arena, cfg_getnstr(sec, name, i));
        if (s == NULL)
            return l;
        if (lower)
            for (char *p = s; *p; p++)
                *p = ds_lower(*p);
        l.v[l.n++] = s;
    }
    return l;
}

/*
 * A file option: NULL when empty. A relative path is made relative to the
 * directory of the file the option is written in, as include() does, so
 * the result does not depend on the working directory. *where is set to
 * where the option was written.
 */
static const char *path_opt(struct loader *L, cfg_t *sec, const char *secname,
                            const char *opt, struct ds_where *where)
{
    *where = where_of(L, secname, title_of(sec), opt);
    const char *v = cfg_getstr(sec, opt);
    if (v == NULL || v[0] == '\0')
        return NULL;
    char *abs = ds_config_path_abs(where->file, v);
    const char *r = abs ? ds_arena_strdup(&L->cfg->arena, abs) : NULL;
    if (r == NULL)
        L->cfg->arena.failed = true;
    free(abs);
    return r;
}

static bool enum_opt(struct loader *L, cfg_t *sec, const char *secname,
                     const char *opt, const struct ds_name_code *names,
                     int *out)
{
    const char *v = cfg_getstr(sec, opt);
    int code = ds_name_to_code(names, v, -1);
    if (code >= 0) {
        *out = code;
        return true;
    }
    char list[200], hint[256];
    snprintf(hint, sizeof(hint), "allowed: %s",
             ds_names_list(names, list, sizeof(list)));
    FIND(L, DS_CODE_INVALID_VALUE, secname, title_of(sec), opt, hint,
         "invalid value \"%s\"", v);
    return false;
}

/* Parse a list of mechanism names into bits. */
static unsigned auth_opt(struct loader *L, cfg_t *sec, const char *secname,
                         const char *opt, bool receive)
{
    static const struct ds_name_code recv_names[] = {
        {"tls", DS_AUTH_TLS},
        {"exchange_server", DS_AUTH_EXCHANGE_SERVER},
        {"basic_auth", DS_AUTH_BASIC},
        {"basic_auth_require_tls", DS_AUTH_BASIC_REQUIRE_TLS},
        {"externally_secured", DS_AUTH_EXTERNALLY_SECURED},
        {"none", 0},
        {NULL, 0}};
    static const struct ds_name_code send_names[] = {
        {"exchange_server", DS_AUTH_EXCHANGE_SERVER},
        {"basic_auth", DS_AUTH_BASIC},
        {"basic_auth_require_tls", DS_AUTH_BASIC_REQUIRE_TLS},
        {"externally_secured", DS_AUTH_EXTERNALLY_SECURED},
        {"none", 0},
        {NULL, 0}};
    const struct ds_name_code *names = receive ? recv_names : send_names;
    unsigned bits = 0, n = cfg_size(sec, opt);
    for (unsigned i = 0; i < n; i++) {
        const char *v = cfg_getnstr(sec, opt, i);
        int code = ds_name_to_code(names, v, -1);
        if (code < 0) {
            report_entry(
                L, DS_CODE_INVALID_VALUE, secname, title_of(sec), opt, i, n,
                receive ? "allowed: tls, exchange_server, basic_auth, "
                          "basic_auth_require_tls, externally_secured, none"
                        : "allowed: exchange_server, basic_auth, "
                          "basic_auth_require_tls, externally_secured, none",
                "unknown mechanism \"%s\"", v);
            continue;
        }
        bits |= (unsigned)code;
    }
    return bits;
}

/* Not a list entry (report at the option's line). */
#define NOT_LISTED ((size_t)-1)

/*
 * Normalise a domain into the arena; reports (at entry i of n of a list
 * option, or at the option when i is NOT_LISTED) and returns NULL on
 * error.
 */
static const char *domain_opt(struct loader *L, const char *secname,
                              const char *title, const char *opt,
                              const char *value, unsigned flags, size_t i,
                              size_t n)
{
    char buf[DS_DOMAIN_MAX + 2];
    const char *why;
    if (ds_domain_normalise(value, strlen(value), buf, flags, &why) < 0) {
        const char *hint =
            (flags & DS_DOMAIN_ALLOW_SUFFIX)
                ? "write a domain such as \"woodgrovebank.com\", or "
                  "\".woodgrovebank.com\" for every name under it"
                : "write a host or domain name such as \"mail.contoso.com\"";
        if (i == NOT_LISTED)
            FIND(L, DS_CODE_INVALID_DOMAIN, secname, title, opt, hint,
                 "\"%s\": %s", value, why);
        else
            report_entry(L, DS_CODE_INVALID_DOMAIN, secname, title, opt, i, n,
                         hint, "\"%s\": %s", value, why);
        return NULL;
    }
    return ds_arena_strdup(&L->cfg->arena, buf);
}

/* A thumbprint: hex digits, separators (space, colon) ignored. */
static const char *thumbprint_opt(struct loader *L, const char *value)
{
    char buf[41];
    if (ds_thumbprint_normalise(value, buf) < 0) {
        FIND(L, DS_CODE_INVALID_THUMBPRINT, "server", NULL,
             "internal_certificate",
             "use the certificate's SHA-1 thumbprint as `domsec-policy certs` "
             "prints it (40 hex digits)",
             "\"%s\" is not a SHA-1 thumbprint", value);
        return NULL;
    }
    return ds_arena_strdup(&L->cfg->arena, buf);
}

/* ---- sections ----------------------------------------------------------- */

static char *first_label(struct loader *L, const char *fqdn)
{
    const char *dot = strchr(fqdn, '.');
    return ds_arena_strndup(&L->cfg->arena, fqdn,
                            dot ? (size_t)(dot - fqdn) : strlen(fqdn));
}

/* The host's FQDN: gethostname(), canonicalised through the resolver
 * (files first) when it has no dot, unless DS_CONFIG_NO_RESOLVE. */
static const char *host_fqdn(struct loader *L)
{
    char name[256];
    if (gethostname(name, sizeof(name)) != 0)
        return "localhost.localdomain";
    name[sizeof(name) - 1] = '\0';
    if (strchr(name, '.') == NULL && !(L->flags & DS_CONFIG_NO_RESOLVE)) {
        struct addrinfo hints = {.ai_flags = AI_CANONNAME,
                                 .ai_socktype = SOCK_STREAM};
        struct addrinfo *res = NULL;
        if (getaddrinfo(name, NULL, &hints, &res) == 0 && res &&
            res->ai_canonname && strchr(res->ai_canonname, '.'))
            snprintf(name, sizeof(name), "%s", res->ai_canonname);
        if (res)
            freeaddrinfo(res);
    }
    return ds_arena_strdup(&L->cfg->arena, name);
}

static const char *host_opt(struct loader *L, cfg_t *sec, const char *secname,
                            const char *opt, bool single_label)
{
    const char *v = cfg_getstr(sec, opt);
    if (v == NULL || v[0] == '\0')
        return NULL;
    return domain_opt(L, secname, title_of(sec), opt, v,
                      single_label ? DS_DOMAIN_ALLOW_SINGLE : 0, NOT_LISTED, 0);
}

static void load_server(struct loader *L, cfg_t *sec)
{
    struct ds_server *s = &L->cfg->server;

    s->where = where_of(L, "server", NULL, NULL);
    s->fqdn = host_opt(L, sec, "server", "fqdn", true);
    if (s->fqdn == NULL)
        s->fqdn = host_fqdn(L);
    s->hostname = host_opt(L, sec, "server", "hostname", true);
    if (s->hostname == NULL)
        s->hostname = first_label(L, s->fqdn);
    s->physical_fqdn = host_opt(L, sec, "server", "physical_fqdn", true);
    if (s->physical_fqdn == NULL)
        s->physical_fqdn = s->fqdn;
    s->physical_hostname =
        host_opt(L, sec, "server", "physical_hostname", true);
    if (s->physical_hostname == NULL)
        s->physical_hostname = first_label(L, s->physical_fqdn);

    const char *tp = cfg_getstr(sec, "internal_certificate");
    if (tp && tp[0])
        s->internal_certificate = thumbprint_opt(L, tp);
    s->where_internal_certificate =
        where_of(L, "server", NULL, "internal_certificate");
    s->trust_store =
        path_opt(L, sec, "server", "trust_store", &s->where_trust_store);

    int r = DS_RULES_2016;
    enum_opt(L, sec, "server", "selection_rules", ds_rules_names, &r);
    s->rules = (enum ds_rules)r;

    long days = cfg_getint(sec, "expiry_warning_days");
    if (days < 0 || days > 3650) {
        FIND(L, DS_CODE_INVALID_VALUE, "server", NULL, "expiry_warning_days",
             "a number of days between 0 and 3650", "%ld is out of range",
             days);
        days = 30;
    }
    s->expiry_warning_days = (int)days;
}

/* Load one secure-domain list into a set (value: NULL for now), with the
 * line of each name when `where` is not NULL (the receive list can hold a
 * million names and needs no line after loading). */
static void load_list(struct loader *L, cfg_t *sec, const char *opt,
                      struct ds_domainset *set, struct ds_strlist *names,
                      struct ds_where **where)
{
    unsigned n = cfg_size(sec, opt);
    if (ds_domainset_init(set, n) < 0) {
        L->cfg->arena.failed = true;
        return;
    }
    names->v = ds_arena_calloc(&L->cfg->arena, n ? n : 1, sizeof(char *));
    if (where)
        *where = ds_arena_calloc(&L->cfg->arena, n ? n : 1, sizeof(**where));
    if (names->v == NULL || (where && *where == NULL))
        return;
    for (unsigned i = 0; i < n; i++) {
        const char *v = cfg_getnstr(sec, opt, i);
        const char *d = domain_opt(L, "transport", NULL, opt, v,
                                   DS_DOMAIN_ALLOW_SUFFIX, i, n);
        if (d == NULL)
            continue;
        int r = ds_domainset_add(set, d, NULL);
        if (r < 0) {
            L->cfg->arena.failed = true;
            return;
        }
        if (r > 0) {
            if (where)
                (*where)[names->n] =
                    where_entry(L, "transport", NULL, opt, i, n);
            names->v[names->n++] = d;
        }
    }
}

static void load_transport(struct loader *L, cfg_t *sec)
{
    struct ds_config *c = L->cfg;
    load_list(L, sec, "tls_receive_domain_secure_list", &c->receive_list,
              &c->receive_names, NULL);
    load_list(L, sec, "tls_send_domain_secure_list", &c->send_list,
              &c->send_names, &c->send_where);
    c->where_receive_list =
        where_of(L, "transport", NULL, "tls_receive_domain_secure_list");
    c->where_send_list =
        where_of(L, "transport", NULL, "tls_send_domain_secure_list");
    c->partner_trust_store =
        path_opt(L, sec, "transport", "partner_trust_store",
                 &c->where_partner_trust_store);
}

static const char *const known_services[] = {
    "smtp",         "imap",       "pop",  "iis", "um",
    "umcallrouter", "federation", "none", NULL};

static void load_certificate(struct loader *L, cfg_t *sec,
                             struct ds_certconf *c)
{
    const char *t = title_of(sec);
    c->name = ds_arena_strdup(&L->cfg->arena, t);
    c->where = where_of(L, "certificate", t, NULL);
    c->cert = path_opt(L, sec, "certificate", "cert", &c->where_cert);
    c->key = path_opt(L, sec, "certificate", "key", &c->where_key);
    c->chain = path_opt(L, sec, "certificate", "chain", &c->where_chain);
    if (c->cert == NULL)
        FIND(L, DS_CODE_MISSING_CERT, "certificate", t, NULL,
             "add cert = \"/path/to/certificate.pem\"", "no cert file given");
    c->services = list_opt(L, sec, "services", true);
    for (size_t i = 0; i < c->services.n; i++) {
        const char *const *k = known_services;
        while (*k && strcmp(*k, c->services.v[i]) != 0)
            k++;
        if (*k == NULL)
            report_entry(L, DS_CODE_INVALID_VALUE, "certificate", t, "services",
                         i, c->services.n,
                         "allowed: smtp, imap, pop, iis, um, umcallrouter, "
                         "federation, none",
                         "unknown service \"%s\"", c->services.v[i]);
        if (strcmp(c->services.v[i], "smtp") == 0)
            c->smtp = true;
    }
}

static void check_tls_name(struct loader *L, const char *secname,
                           const char *title, const char *v)
{
    size_t len = strlen(v);
    if (len > 256)
        FIND(L, DS_CODE_INVALID_TLS_NAME, secname, title,
             "tls_certificate_name",
             "Exchange cannot store more than 256 characters; shorten the "
             "DNs or leave the option empty to select by fqdn",
             "%zu characters, longer than 256", len);
    else if (!((strncasecmp(v, "<I>", 3) == 0 && strcasestr(v, "<S>")) ||
               (strncasecmp(v, "[I]", 3) == 0 && strcasestr(v, "[S]"))))
        FIND(L, DS_CODE_INVALID_TLS_NAME, secname, title,
             "tls_certificate_name",
             "write \"<I>issuer DN<S>subject DN\" exactly as `domsec-policy "
             "certs` prints it",
             "\"%s\" is not of the form <I>issuer<S>subject", v);
}

/* bindings: each entry parsed at its own line. */
static void load_bindings(struct loader *L, struct ds_recv_connector *r)
{
    size_t n = r->bindings.n;
    r->binds = ds_arena_calloc(&L->cfg->arena, n ? n : 1, sizeof(*r->binds));
    if (r->binds == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        struct ds_binding *b = &r->binds[r->nbinds];
        struct ds_where w =
            where_entry(L, "receive_connector", r->name, "bindings", i, n);
        if (ds_config_parse_binding(r->bindings.v[i], b) < 0) {
            report_entry(L, DS_CODE_INVALID_BINDING, "receive_connector",
                         r->name, "bindings", i, n,
                         "write an address and a port: \"0.0.0.0:25\", "
                         "\"127.0.0.1:2525\" or \"[::]:25\"",
                         "\"%s\" is not ADDRESS:PORT", r->bindings.v[i]);
            continue;
        }
        b->where = w;
        r->nbinds++;
    }
}

static void load_receive(struct loader *L, cfg_t *sec,
                         struct ds_recv_connector *r)
{
    const char *t = title_of(sec);
    r->name = ds_arena_strdup(&L->cfg->arena, t);
    r->where = where_of(L, "receive_connector", t, NULL);
    r->daemon_name = str_opt(L, sec, "daemon_name");
    if (r->daemon_name == NULL)
        r->daemon_name = r->name;
    r->bindings = list_opt(L, sec, "bindings", false);
    load_bindings(L, r);
    r->fqdn = host_opt(L, sec, "receive_connector", "fqdn", false);
    r->fqdn_set = r->fqdn != NULL;
    if (r->fqdn == NULL)
        r->fqdn = L->cfg->server.physical_fqdn;
    r->auth = auth_opt(L, sec, "receive_connector", "auth_mechanism", true);
    r->where_auth = where_of(L, "receive_connector", t, "auth_mechanism");
    r->domain_secure = cfg_getbool(sec, "domain_secure_enabled");
    r->require_tls = cfg_getbool(sec, "require_tls");
    r->tls_certificate_name = str_opt(L, sec, "tls_certificate_name");
    r->where_tls_certificate_name =
        where_of(L, "receive_connector", t, "tls_certificate_name");
    if (r->tls_certificate_name)
        check_tls_name(L, "receive_connector", t, r->tls_certificate_name);
    if (r->domain_secure && !(r->auth & DS_AUTH_TLS))
        FIND(L, DS_CODE_NEEDS_TLS, "receive_connector", t,
             "domain_secure_enabled",
             "add \"tls\" to auth_mechanism (Set-ReceiveConnector "
             "-AuthMechanism Tls), or set domain_secure_enabled = false",
             "domain security needs TLS, but auth_mechanism has no \"tls\"");
    if (r->require_tls && !(r->auth & DS_AUTH_TLS))
        FIND(L, DS_CODE_NEEDS_TLS, "receive_connector", t, "require_tls",
             "add \"tls\" to auth_mechanism, or set require_tls = false",
             "require_tls is set, but auth_mechanism has no \"tls\"");
}

/* "*", "example.com", "*.example.com" (SMTP address spaces). */
static void load_address_spaces(struct loader *L, cfg_t *sec,
                                struct ds_send_connector *s)
{
    const char *t = s->name;
    unsigned n = cfg_size(sec, "address_spaces");
    s->address_spaces.v =
        ds_arena_calloc(&L->cfg->arena, n ? n : 1, sizeof(char *));
    if (s->address_spaces.v == NULL)
        return;
    for (unsigned i = 0; i < n; i++) {
        const char *v = cfg_getnstr(sec, "address_spaces", i);
        const char *d =
            strcmp(v, "*") == 0
                ? "*"
                : domain_opt(L, "send_connector", t, "address_spaces", v,
                             DS_DOMAIN_ALLOW_WILDCARD | DS_DOMAIN_ALLOW_SINGLE,
                             i, n);
        if (d != NULL)
            s->address_spaces.v[s->address_spaces.n++] = d;
    }
}

#define SMART_HOST_FORMS                                                       \
    "write a host (\"relay.example.net\", \"relay.example.net:587\", "         \
    "\"[relay.example.net]:587\") or an address (\"192.0.2.25\", "             \
    "\"[192.0.2.25]:2525\", \"[ipv6:2001:db8::1]:25\")"

/* smart_hosts: each entry parsed at its own line; a port written with a
 * host applies to it, the connector's port to the others, and a port
 * written both ways must agree. */
static void load_smart_hosts(struct loader *L, struct ds_send_connector *s)
{
    size_t n = s->smart_hosts.n;
    char host[DS_DOMAIN_MAX + 2];
    const char *why;
    s->hosts = ds_arena_calloc(&L->cfg->arena, n ? n : 1, sizeof(*s->hosts));
    if (s->hosts == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        struct ds_smarthost *h = &s->hosts[s->nhosts];
        const char *v = s->smart_hosts.v[i];
        if (ds_config_parse_smarthost(v, h, host, sizeof(host), &why) < 0) {
            report_entry(L, DS_CODE_INVALID_SMART_HOST, "send_connector",
                         s->name, "smart_hosts", i, n, SMART_HOST_FORMS,
                         "\"%s\": %s", v, why);
            continue;
        }
        h->host = ds_arena_strdup(&L->cfg->arena, host);
        h->where =
            where_entry(L, "send_connector", s->name, "smart_hosts", i, n);
        if (h->own_port && s->port_set && h->port != s->port)
            report_entry(L, DS_CODE_SMART_HOST_PORT, "send_connector", s->name,
                         "smart_hosts", i, n,
                         "write the port once: with the smart host, or as "
                         "the connector's port",
                         "\"%s\" says port %d, but the connector's port is %d",
                         v, h->port, s->port);
        if (!h->own_port)
            h->port = s->port;
        s->nhosts++;
    }
}

static void load_send(struct loader *L, cfg_t *sec, struct ds_send_connector *s)
{
    const char *t = title_of(sec);
    s->name = ds_arena_strdup(&L->cfg->arena, t);
    s->where = where_of(L, "send_connector", t, NULL);
    load_address_spaces(L, sec, s);
    s->dns_routing = cfg_getbool(sec, "dns_routing_enabled");
    s->smart_hosts = list_opt(L, sec, "smart_hosts", false);
    long port = cfg_getint(sec, "port");
    const char *f;
    int line;
    s->port_set =
        ds_srcmap_find(L->map, "send_connector", t, "port", &f, &line);
    if (port < 1 || port > 65535) {
        FIND(L, DS_CODE_INVALID_VALUE, "send_connector", t, "port",
             "a TCP port, 1 to 65535", "%ld is not a port", port);
        port = 25;
    }
    s->port = (int)port;
    load_smart_hosts(L, s);
    s->fqdn = host_opt(L, sec, "send_connector", "fqdn", false);
    s->fqdn_set = s->fqdn != NULL;
    if (s->fqdn == NULL)
        s->fqdn = L->cfg->server.fqdn;
    s->domain_secure = cfg_getbool(sec, "domain_secure_enabled");
    s->require_tls = cfg_getbool(sec, "require_tls");
    s->tls_certificate_name = str_opt(L, sec, "tls_certificate_name");
    s->where_tls_certificate_name =
        where_of(L, "send_connector", t, "tls_certificate_name");
    if (s->tls_certificate_name)
        check_tls_name(L, "send_connector", t, s->tls_certificate_name);
    s->smart_host_auth =
        auth_opt(L, sec, "send_connector", "smart_host_auth_mechanism", false);
    if (s->dns_routing && s->smart_hosts.n > 0)
        FIND(L, DS_CODE_ROUTE_CONFLICT, "send_connector", t, "smart_hosts",
             "set dns_routing_enabled = false to route through smart hosts, "
             "or remove smart_hosts",
             "smart hosts are given, but dns_routing_enabled is true");
    if (!s->dns_routing && s->smart_hosts.n == 0)
        FIND(L, DS_CODE_NO_ROUTE, "send_connector", t, "dns_routing_enabled",
             "list smart_hosts, or set dns_routing_enabled = true",
             "neither DNS routing nor smart hosts: mail has nowhere to go");
}

static void load_partner(struct loader *L, cfg_t *sec, struct ds_partner *p)
{
    const char *t = title_of(sec);
    p->where = where_of(L, "partner", t, NULL);
    p->domain = domain_opt(L, "partner", t, NULL, t, DS_DOMAIN_ALLOW_SUFFIX,
                           NOT_LISTED, 0);
    unsigned n = cfg_size(sec, "peer_names");
    p->peer_names.v =
        ds_arena_calloc(&L->cfg->arena, n ? n : 1, sizeof(char *));
    for (unsigned i = 0; p->peer_names.v && i < n; i++) {
        const char *d = domain_opt(
            L, "partner", t, "peer_names", cfg_getnstr(sec, "peer_names", i),
            DS_DOMAIN_ALLOW_WILDCARD | DS_DOMAIN_ALLOW_SINGLE, i, n);
        if (d)
            p->peer_names.v[p->peer_names.n++] = d;
    }
    p->issuers = list_opt(L, sec, "issuers", false);
    const char *a = cfg_getstr(sec, "action");
    if (a && a[0]) {
        int v;
        if (enum_opt(L, sec, "partner", "action", ds_action_names, &v)) {
            p->has_action = true;
            p->action = (enum ds_action)v;
        }
    }
    if (p->domain == NULL)
        return;
    struct ds_domainset_entry *e =
        (struct ds_domainset_entry *)ds_domainset_get(&L->cfg->receive_list,
                                                      p->domain);
    if (e == NULL)
        FIND(L, DS_CODE_PARTNER_UNLISTED, "partner", t, NULL,
             "add it to transport.tls_receive_domain_secure_list, or remove "
             "the partner section",
             "\"%s\" is not on tls_receive_domain_secure_list: these "
             "settings are never used",
             p->domain);
    else if (e->value != NULL)
        FIND(L, DS_CODE_DUPLICATE_PARTNER, "partner", t, NULL,
             "merge the two partner sections",
             "a second partner section for \"%s\"", p->domain);
    else
        e->value = p;
}

static int facility_of(const char *name)
{
    static const struct {
        const char *name;
        int value;
    } f[] = {
        {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},
        {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
        {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
        {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}};
    for (size_t i = 0; i < DS_ARRAY_LEN(f); i++)
        if (ds_strcasecmp(name, f[i].name) == 0)
            return f[i].value;
    return -1;
}

/* A header field name: printable ASCII except ':' (RFC 5322). */
static bool valid_header_name(const char *s)
{
    if (*s == '\0' || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (*s < 33 || *s > 126 || *s == ':')
            return false;
    return true;
}

static bool valid_socket(const char *s)
{
    if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0)
        return strchr(s, ':')[1] == '/';
    if (strncmp(s, "inet:", 5) == 0 || strncmp(s, "inet6:", 6) == 0) {
        const char *p = strchr(s, ':') + 1;
        char *end;
        long port = strtol(p, &end, 10);
        return end != p && port > 0 && port < 65536 &&
               (*end == '\0' || (*end == '@' && end[1] != '\0'));
    }
    return s[0] == '/';
}

static void load_milter(struct loader *L, cfg_t *sec)
{
    struct ds_milter_conf *m = &L->cfg->milter;
    int v;

    m->socket = str_opt(L, sec, "socket");
    if (m->socket == NULL || !valid_socket(m->socket))
        FIND(L, DS_CODE_INVALID_VALUE, "milter", NULL, "socket",
             "write \"unix:/run/domsec/milter.sock\" or "
             "\"inet:8895@127.0.0.1\"",
             "\"%s\" is not a milter socket", m->socket ? m->socket : "");

    const char *mode = cfg_getstr(sec, "socket_mode");
    char *end;
    long sm = strtol(mode, &end, 8);
    if (*mode == '\0' || *end != '\0' || sm < 0 || sm > 0777)
        FIND(L, DS_CODE_INVALID_VALUE, "milter", NULL, "socket_mode",
             "an octal mode such as \"0660\"", "\"%s\" is not a file mode",
             mode);
    else
        m->socket_mode = (mode_t)sm;

    m->user = str_opt(L, sec, "user");
    v = 0;
    enum_opt(L, sec, "milter", "mode", ds_mode_names, &v);
    m->mode = (enum ds_mode)v;
    v = 0;
    enum_opt(L, sec, "milter", "action", ds_action_names, &v);
    m->action = (enum ds_action)v;
    v = DS_PEER_SUBDOMAIN;
    enum_opt(L, sec, "milter", "peer_match", ds_peer_match_names, &v);
    m->peer_match = (enum ds_peer_match)v;
    v = 0;
    enum_opt(L, sec, "milter", "mta", ds_mta_names, &v);
    m->mta = (enum ds_mta)v;
    v = DS_LOG_INFO;
    enum_opt(L, sec, "milter", "log_level", ds_log_level_names, &v);
    m->log_level = (enum ds_log_level)v;

    m->header = str_opt(L, sec, "header");
    if (m->header == NULL || !valid_header_name(m->header))
        FIND(L, DS_CODE_INVALID_VALUE, "milter", NULL, "header",
             "a header field name such as \"X-Domain-Secure\"",
             "\"%s\" is not a header field name", m->header ? m->header : "");
    m->default_connector = str_opt(L, sec, "default_connector");
    m->metrics_file = str_opt(L, sec, "metrics_file");
    m->syslog_facility_name = str_opt(L, sec, "syslog_facility");
    m->syslog_facility =
        facility_of(m->syslog_facility_name ? m->syslog_facility_name : "");
    if (m->syslog_facility < 0)
        FIND(L, DS_CODE_INVALID_VALUE, "milter", NULL, "syslog_facility",
             "mail, daemon, user or local0 ... local7",
             "unknown facility \"%s\"",
             m->syslog_facility_name ? m->syslog_facility_name : "");
}

/* Every section of a titled kind has a title of its own (libconfuse would
 * check this itself, in quadratic time: see srcmap.h). */
static bool is_connector(const char *kind)
{
    return strcmp(kind, "receive_connector") == 0 ||
           strcmp(kind, "send_connector") == 0;
}

/* Every section of a titled kind has a title of its own (libconfuse would
 * check this itself, in quadratic time: see srcmap.h); connector names
 * differ without case, as Exchange compares them. */
static bool check_titles(struct loader *L, cfg_t *cfg)
{
    char key[512];
    bool all = true;
    for (const char *const *kind = titled_sections; *kind; kind++) {
        unsigned n = cfg_size(cfg, *kind);
        bool nocase = is_connector(*kind);
        struct ds_domainset seen;
        if (ds_domainset_init(&seen, n) < 0) {
            L->cfg->arena.failed = true;
            return false;
        }
        for (unsigned i = 0; i < n; i++) {
            const char *t = title_of(cfg_getnsec(cfg, *kind, i));
            const struct ds_domainset_entry *e;
            if (t == NULL) {
                all = false;
                FIND(L, DS_CODE_MISSING_TITLE, *kind, NULL, NULL,
                     "write the section as name \"title\" { ... }",
                     "the section has no title");
                continue;
            }
            snprintf(key, sizeof(key), "%s", t);
            for (char *p = key; nocase && *p; p++)
                *p = ds_lower(*p);
            const char *k = ds_arena_strdup(&L->cfg->arena, key);
            if (k == NULL)
                break;
            if ((e = ds_domainset_get(&seen, k)) == NULL) {
                ds_domainset_add(&seen, k, (void *)t);
            } else if (strcmp(e->value, t) == 0) {
                FIND(L, DS_CODE_DUPLICATE_NAME, *kind, t, NULL,
                     "give every section of this kind its own title",
                     "found duplicate title '%s'", t);
            } else {
                FIND(L, DS_CODE_DUPLICATE_NAME, *kind, t, NULL,
                     "give every connector its own name",
                     "the name is also used by %s \"%s\" (connector names "
                     "are compared without case, as Exchange does)",
                     *kind, (const char *)e->value);
            }
        }
        ds_domainset_free(&seen);
    }
    return all;
}

/* Options that need more than one section of the milter's. */
static void milter_cross_checks(struct loader *L)
{
    struct ds_config *c = L->cfg;
    for (size_t i = 0; i < c->nrecv; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->recv[i].daemon_name, c->recv[j].daemon_name) == 0)
                FIND(L, DS_CODE_DUPLICATE_DAEMON_NAME, "receive_connector",
                     c->recv[i].name, "daemon_name",
                     "give every receive connector its own daemon_name (the "
                     "MTA's milter_macro_daemon_name / DaemonPortOptions "
                     "Name=)",
                     "daemon_name \"%s\" is also used by receive_connector "
                     "\"%s\"",
                     c->recv[i].daemon_name, c->recv[j].name);
    const char *dc = c->milter.default_connector;
    if (dc && ds_config_recv_by_name(c, dc) == NULL)
        FIND(L, DS_CODE_UNKNOWN_CONNECTOR, "milter", NULL, "default_connector",
             "name a receive_connector section, or leave it empty to judge "
             "unknown listeners as domain-secure",
             "no receive_connector \"%s\"", dc);
}

/* ---- the one load function ---------------------------------------------- */

struct ds_config *ds_config_load(const char *file, struct ds_diag *diag)
{
    return ds_config_load_flags(file, 0, diag);
}

struct ds_config *ds_config_load_flags(const char *file, unsigned flags,
                                       struct ds_diag *diag)
{
    struct ds_config *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        ds_diag_code(diag, DS_CODE_NOMEM, file, 0, NULL, "out of memory");
        return NULL;
    }
    size_t errors_before = diag->nerrors;
    struct loader L = {.cfg = c, .diag = diag, .file = file, .flags = flags};
    c->path = ds_arena_strdup(&c->arena, file);

    cfg_t *cfg = NULL;
    L.map = ds_srcmap_build(file, titled_sections, diag);
    if (L.map == NULL)
        goto fail;
    cfg = cfg_init(top_opts, CFGF_NONE);
    if (cfg == NULL)
        goto oom;
    current = &L;
    cfg_set_error_function(cfg, cb_error);
    int rc = cfg_parse_buf(cfg, ds_srcmap_text(L.map));
    if (rc != CFG_SUCCESS) {
        if (diag->nerrors == errors_before)
            ds_diag_code(diag, DS_CODE_SYNTAX, file, 0, NULL,
                         "cannot parse the configuration");
        goto fail;
    }

    if (!check_titles(&L, cfg))
        goto fail;
    load_server(&L, cfg_getsec(cfg, "server"));
    load_transport(&L, cfg_getsec(cfg, "transport"));
    load_milter(&L, cfg_getsec(cfg, "milter"));

    c->ncerts = cfg_size(cfg, "certificate");
    c->nrecv = cfg_size(cfg, "receive_connector");
    c->nsend = cfg_size(cfg, "send_connector");
    c->npartners = cfg_size(cfg, "partner");
    c->certs = ds_arena_calloc(&c->arena, c->ncerts + 1, sizeof(*c->certs));
    c->recv = ds_arena_calloc(&c->arena, c->nrecv + 1, sizeof(*c->recv));
    c->send = ds_arena_calloc(&c->arena, c->nsend + 1, sizeof(*c->send));
    c->partners =
        ds_arena_calloc(&c->arena, c->npartners + 1, sizeof(*c->partners));
    if (c->arena.failed)
        goto oom;
    for (size_t i = 0; i < c->ncerts; i++)
        load_certificate(&L, cfg_getnsec(cfg, "certificate", (unsigned)i),
                         &c->certs[i]);
    for (size_t i = 0; i < c->nrecv; i++)
        load_receive(&L, cfg_getnsec(cfg, "receive_connector", (unsigned)i),
                     &c->recv[i]);
    for (size_t i = 0; i < c->nsend; i++)
        load_send(&L, cfg_getnsec(cfg, "send_connector", (unsigned)i),
                  &c->send[i]);
    for (size_t i = 0; i < c->npartners; i++)
        load_partner(&L, cfg_getnsec(cfg, "partner", (unsigned)i),
                     &c->partners[i]);
    milter_cross_checks(&L);
    if (c->arena.failed)
        goto oom;
    ds_config_check_cross(c, diag);
    ds_config_check_files(c, diag);
    if (diag->nerrors != errors_before)
        goto fail;
    cfg_free(cfg);
    ds_srcmap_free(L.map);
    current = NULL;
    return c;

oom:
    ds_diag_code(diag, DS_CODE_NOMEM, file, 0, NULL,
                 "out of memory while loading the configuration");
fail:
    if (cfg)
        cfg_free(cfg);
    ds_srcmap_free(L.map);
    current = NULL;
    ds_config_free(c);
    return NULL;
}

void ds_config_free(struct ds_config *cfg)
{
    if (cfg == NULL)
        return;
    ds_domainset_free(&cfg->receive_list);
    ds_domainset_free(&cfg->send_list);
    ds_arena_free(&cfg->arena);
    free(cfg);
}

const struct ds_recv_connector *
ds_config_recv_by_daemon(const struct ds_config *cfg, const char *daemon)
{
    for (size_t i = 0; daemon && i < cfg->nrecv; i++)
        if (strcmp(cfg->recv[i].daemon_name, daemon) == 0)
            return &cfg->recv[i];
    return NULL;
}

const struct ds_recv_connector *
ds_config_recv_by_name(const struct ds_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->nrecv; i++)
        if (ds_strcasecmp(cfg->recv[i].name, name) == 0)
            return &cfg->recv[i];
    return NULL;
}

const struct ds_send_connector *
ds_config_send_by_name(const struct ds_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->nsend; i++)
        if (ds_strcasecmp(cfg->send[i].name, name) == 0)
            return &cfg->send[i];
    return NULL;
}
