/*
 * fuzz-config.c - ds_config_load (srcmap.c flattening, libconfuse,
 * config.c validation) on arbitrary bytes written to a file.
 *
 * Input: the configuration file's bytes. include() paths resolve next to
 * it, in a private directory where nothing else exists.
 * Checks: a load either succeeds or reports at least one error; every
 * diagnostic about the input file names a line within it; a configuration
 * that loads holds only normalised list entries and the defaults the
 * milter relies on (a socket, a header name); freeing it is clean.
 */
#include "dsconfig.h"

#include <string.h>

#include "fuzz.h"

static void check_entry(const char *name)
{
    const char *p = name[0] == '.' ? name + 1 : name;
    DS_FUZZ_CHECK(p[0] != '\0' && strlen(p) <= DS_DOMAIN_MAX, "list entry '%s'",
                  name);
    for (; *p; p++)
        DS_FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                          *p == '-' || *p == '.',
                      "list entry '%s'", name);
}

static int one(const uint8_t *data, size_t size)
{
    const char *path = ds_fuzz_file(data, size);
    if (path == NULL)
        return 0;
    int lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';

    struct ds_diag d = {0};
    struct ds_config *c = ds_config_load(path, &d);
    DS_FUZZ_CHECK(c != NULL || d.nerrors > 0, "failed without an error");
    DS_FUZZ_CHECK(c == NULL || d.nerrors == 0, "loaded with %zu errors",
                  d.nerrors);
    for (size_t i = 0; i < d.n; i++) {
        const struct ds_diag_item *it = &d.v[i];
        DS_FUZZ_CHECK(it->text != NULL, "diagnostic without text");
        if (it->file != NULL && strcmp(it->file, path) == 0)
            DS_FUZZ_CHECK(it->line >= 0 && it->line <= lines,
                          "line %d of a %d-line file: %s", it->line, lines,
                          it->text);
    }
    if (c != NULL) {
        for (size_t i = 0; i < c->receive_names.n; i++)
            check_entry(c->receive_names.v[i]);
        for (size_t i = 0; i < c->send_names.n; i++)
            check_entry(c->send_names.v[i]);
        DS_FUZZ_CHECK(c->milter.socket != NULL && c->milter.header != NULL,
                      "loaded without a socket or header");
        for (size_t i = 0; i < c->nrecv; i++)
            DS_FUZZ_CHECK(c->recv[i].daemon_name != NULL, "no daemon_name");
        ds_config_free(c);
    }
    ds_diag_free(&d);
    return 0;
}

DS_FUZZ_TARGET("config", NULL, one)
