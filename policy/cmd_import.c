/*
 * cmd_import.c - `domsec-policy import exchange [--certs DIR] [--output
 * FILE] FILE...`: Exchange Management Shell Format-List output into a
 * commented domsec.conf (import.h), certificate files from DIR placed
 * next to it (certdir.h).
 *
 * Must not: overwrite an existing configuration, or write anything when
 * the input cannot be converted faithfully (exit 65 with file:line).
 *
 * Exit status: 0 written; 64 usage; 65 an input file is not Format-List
 * output or holds something that cannot be converted; 66 an input file
 * or DIR cannot be read; 70 out of memory; 73 the output (or a PEM file
 * next to it) cannot be written, or the output exists.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certdir.h"
#include "formatlist.h"
#include "import.h"

#define PASSWORD_ENV "DOMSEC_PFX_PASSWORD"

enum {
    OPT_CERTS = DS_CLI_OPT_BASE,
    OPT_OUTPUT,
    OPT_PASSWORD_FILE,
    OPT_TRUST,
    OPT_PARTNERS,
};

static const struct option import_opts[] = {
    {"certs", required_argument, NULL, OPT_CERTS},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"pfx-password-file", required_argument, NULL, OPT_PASSWORD_FILE},
    {"trust-store", required_argument, NULL, OPT_TRUST},
    {"partner-trust-store", required_argument, NULL, OPT_PARTNERS},
    {NULL, 0, NULL, 0},
};

/* The command's options (set once, before run). */
static struct {
    const char *certs, *output, *password_file, *trust, *partners;
} opt;

static int import_option(int val, const char *arg)
{
    switch (val) {
    case OPT_CERTS:
        opt.certs = arg;
        break;
    case OPT_OUTPUT:
        opt.output = arg;
        break;
    case OPT_PASSWORD_FILE:
        opt.password_file = arg;
        break;
    case OPT_TRUST:
        opt.trust = arg;
        break;
    case OPT_PARTNERS:
        opt.partners = arg;
        break;
    }
    return -1;
}

static int import_check(const struct ds_cli *cli)
{
    if (cli->args.n < 1 || strcmp(cli->args.v[0], "exchange") != 0)
        return ds_cli_usage_error("%s", "import reads one source: "
                                        "import exchange FILE...");
    if (cli->args.n < 2)
        return ds_cli_usage_error("%s", "import exchange needs the files "
                                        "Format-List wrote (see "
                                        "domsec-policy(8))");
    if (cli->json)
        return ds_cli_usage_error("%s", "import has no --json output");
    if (opt.certs && opt.output == NULL)
        return ds_cli_usage_error("%s", "--certs needs --output FILE: the "
                                        "certificate files are written next "
                                        "to it");
    if (opt.password_file && opt.certs == NULL)
        return ds_cli_usage_error("%s", "--pfx-password-file is for --certs");
    return -1;
}

/* An absolute path for name (its directory must exist), or NULL. */
static char *absolute(const char *name)
{
    char dir[PATH_MAX], *path = NULL;
    const char *slash = strrchr(name, '/');
    char *d = slash ? strndup(name, (size_t)(slash - name + (slash == name)))
                    : strdup(".");
    if (d && realpath(d, dir) &&
        asprintf(&path, "%s/%s", strcmp(dir, "/") ? dir : "",
                 slash ? slash + 1 : name) < 0)
        path = NULL;
    free(d);
    return path;
}

/* The first line of the password file, or the environment's. */
static char *password(int *rc)
{
    if (opt.password_file == NULL) {
        const char *env = getenv(PASSWORD_ENV);
        return env ? strdup(env) : NULL;
    }
    FILE *fp = fopen(opt.password_file, "re");
    char *line = NULL;
    size_t cap = 0;
    if (fp == NULL || getline(&line, &cap, fp) < 0) {
        fprintf(stderr, "domsec-policy: --pfx-password-file %s: %s\n",
                opt.password_file, fp ? "empty" : strerror(errno));
        *rc = DS_EXIT_NOINPUT;
        free(line);
        line = NULL;
    }
    if (fp)
        fclose(fp);
    if (line)
        line[strcspn(line, "\r\n")] = '\0';
    return line;
}

/* Write text to path, new, atomically. Returns 0 or an exit status. */
static int write_output(const char *path, const struct ds_buf *text)
{
    char tmp[PATH_MAX];
    struct stat st;
    if (lstat(path, &st) == 0) {
        fprintf(stderr,
                "domsec-policy: import: %s exists\n    hint: import writes "
                "a new file: choose another --output, or remove it\n",
                path);
        return DS_EXIT_CANTCREAT;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    size_t len = text->len, off = 0;
    bool ok = fd >= 0 && fchmod(fd, 0644) == 0;
    while (ok && off < len) {
        ssize_t w = write(fd, text->p + off, len - off);
        ok = w > 0;
        off += ok ? (size_t)w : 0;
    }
    ok = ok && fsync(fd) == 0;
    int saved = errno;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (ok && link(tmp, path) == 0) { /* link: never replaces a file */
        unlink(tmp);
        return 0;
    }
    saved = errno ? errno : saved;
    if (fd >= 0)
        unlink(tmp);
    fprintf(stderr, "domsec-policy: import: cannot write %s: %s\n", path,
            strerror(saved));
    return DS_EXIT_CANTCREAT;
}

/* Read every input file. Returns 0 or an exit status. */
static int read_inputs(const struct ds_cli *cli, struct ds_arena *a,
                       struct ds_fl_doc *docs, const char **labels,
                       struct ds_diag *diag)
{
    int rc = 0;
    for (size_t i = 1; i < cli->args.n; i++) {
        bool noinput;
        if (ds_fl_read(cli->args.v[i], a, &docs[i - 1], diag, &noinput) < 0) {
            rc = noinput && rc != DS_EXIT_DATAERR ? DS_EXIT_NOINPUT
                                                  : DS_EXIT_DATAERR;
            continue;
        }
        labels[i - 1] =
            ds_arena_printf(a, "%s (%s)", cli->args.v[i], docs[i - 1].encoding);
    }
    return a->failed ? DS_EXIT_SOFTWARE : rc;
}

/* --certs DIR: find and place the certificate files. */
static int place_certs(struct ds_import *im, const char *outdir,
                       struct ds_diag *diag)
{
    int rc = 0;
    bool noinput;
    char *pw = password(&rc);
    if (rc)
        return rc;
    struct ds_certdir *cd = ds_certdir_scan(opt.certs, pw, diag, &noinput);
    if (pw) {
        explicit_bzero(pw, strlen(pw));
        free(pw);
    }
    if (cd == NULL)
        return noinput ? DS_EXIT_NOINPUT : DS_EXIT_SOFTWARE;
    if (ds_certdir_place(cd, im, outdir, diag) < 0)
        rc = DS_EXIT_CANTCREAT;
    ds_certdir_free(cd);
    return rc;
}

static void summary(const struct ds_import *im, const char *path)
{
    size_t r = 0, s = 0, c = 0, files = 0;
    for (size_t i = 0; i < im->nrecv; i++)
        r += im->recv[i].skip == NULL;
    for (size_t i = 0; i < im->nsend; i++)
        s += im->send[i].skip == NULL;
    for (size_t i = 0; i < im->ncerts; i++) {
        c += im->certs[i].skip == NULL;
        files += im->certs[i].found;
    }
    printf("domsec-policy: wrote %s: %zu of %zu receive connectors, %zu of "
           "%zu send connectors, %zu of %zu certificates (%zu with their "
           "files); the comments say what was not converted and why\n",
           path, r, im->nrecv, s, im->nsend, c, im->ncerts, files);
}

static int convert(const struct ds_cli *cli, struct ds_import *im,
                   struct ds_import_out *out, struct ds_diag *diag)
{
    size_t n = cli->args.n - 1;
    struct ds_fl_doc *docs = ds_arena_calloc(&im->a, n, sizeof(*docs));
    const char **labels = ds_arena_calloc(&im->a, n, sizeof(char *));
    if (docs == NULL || labels == NULL)
        return DS_EXIT_SOFTWARE;
    int rc = read_inputs(cli, &im->a, docs, labels, diag);
    if (rc)
        return rc;
    out->inputs = labels;
    out->ninputs = n;
    int r = ds_import_build(im, docs, n, diag);
    if (r != 0)
        return r == -1 ? DS_EXIT_DATAERR : DS_EXIT_SOFTWARE;
    if (opt.certs) {
        char *dir = strdup(out->output);
        *strrchr(dir, '/') = '\0';
        rc = place_certs(im, dir[0] ? dir : "/", diag);
        free(dir);
        if (rc)
            return rc;
    }
    return ds_import_finish(im) < 0 ? DS_EXIT_SOFTWARE : 0;
}

static int import_run(struct ds_ctx *c)
{
    struct ds_import im = {0};
    struct ds_diag diag = {0};
    struct ds_buf text = {0};
    struct ds_import_out out = {.certs_dir = opt.certs,
                                .trust_store = opt.trust,
                                .partner_trust_store = opt.partners};
    char *path = opt.output ? absolute(opt.output) : NULL;
    int rc = 0;
    if (opt.output && path == NULL) {
        fprintf(stderr, "domsec-policy: import: --output %s: %s\n", opt.output,
                strerror(errno));
        return DS_EXIT_CANTCREAT;
    }
    struct stat st;
    if (path && lstat(path, &st) == 0) {
        rc = write_output(path, &text); /* says that it exists */
        free(path);
        return rc;
    }
    out.output = path;
    rc = convert(c->cli, &im, &out, &diag);
    if (rc == 0) {
        ds_import_write(&im, &out, &text);
        if (text.oom)
            rc = DS_EXIT_SOFTWARE;
    }
    ds_diag_print(&diag, stderr);
    if (rc == DS_EXIT_SOFTWARE)
        fprintf(stderr, "domsec-policy: import: out of memory\n");
    else if (rc == 0 && path == NULL)
        fwrite(text.p, 1, text.len, stdout);
    else if (rc == 0 && (rc = write_output(path, &text)) == 0)
        summary(&im, path);
    if (rc && rc != DS_EXIT_SOFTWARE)
        fprintf(stderr,
                "domsec-policy: import exchange: no configuration written\n");
    ds_buf_free(&text);
    ds_import_free(&im);
    ds_diag_free(&diag);
    free(path);
    return rc;
}

const struct ds_command ds_cmd_import = {
    .name = "import",
    .run = import_run,
    .flags = DS_CMD_ARGS | DS_CMD_NO_CONFIG,
    .usage = "import exchange [--certs DIR] [--output FILE] FILE...\n"
             "                            domsec.conf from Exchange "
             "Management Shell Format-List\n"
             "                            output (Get-TransportConfig, "
             "Get-ExchangeServer, ...)",
    .opts = import_opts,
    .option = import_option,
    .check = import_check,
};
