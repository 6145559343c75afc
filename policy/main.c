/*
 * main.c - domsec-policy: the command line (doc/design.md). Parses
 * arguments, loads the configuration and the certificate store (with the
 * what-if --with/--without), runs one command and chooses the exit status.
 *
 * Must not: hold any rule (select.c, lint.c) or format results
 * (report.c). The only place in the policy engine that exits.
 *
 * Exit status: 0 ok; 1 select/explain: a connector cannot advertise or use
 * TLS, lint: an error, render: a connector has no certificate (nothing is
 * written); 64 usage; 69 render --postmap: postmap failed; 70 internal
 * error (out of memory); 73 render: the output directory cannot be
 * written; 78 a configuration or certificate file error.
 */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "certstore.h"
#include "lint.h"
#include "names.h"
#include "render.h"
#include "report.h"
#include "select.h"

#ifndef DS_DEFAULT_CONFIG
#define DS_DEFAULT_CONFIG "/etc/domsec/domsec.conf"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define EXIT_USAGE DS_EXIT_USAGE
#define EXIT_UNAVAILABLE DS_EXIT_UNAVAILABLE
#define EXIT_SOFTWARE DS_EXIT_SOFTWARE
#define EXIT_CANTCREAT DS_EXIT_CANTCREAT
#define CMD_CONNECTORS DS_CMD_CONNECTORS
#define CMD_DAYS DS_CMD_DAYS
#define CMD_RENDER DS_CMD_RENDER

static int cmd_select(struct ds_ctx *c);
static int cmd_explain(struct ds_ctx *c);
static int cmd_lint(struct ds_ctx *c);
static int cmd_certs(struct ds_ctx *c);
static int cmd_check(struct ds_ctx *c);
static int cmd_render(struct ds_ctx *c);

static const struct ds_command cmd_select_def = {
    .name = "select",
    .run = cmd_select,
    .flags = CMD_CONNECTORS,
    .usage = "select [CONNECTOR...]     the certificate every connector uses",
};
static const struct ds_command cmd_explain_def = {
    .name = "explain",
    .run = cmd_explain,
    .flags = CMD_CONNECTORS,
    .usage = "explain [CONNECTOR...]    the same, every step of the rules",
};
static const struct ds_command cmd_lint_def = {
    .name = "lint",
    .run = cmd_lint,
    .flags = CMD_DAYS,
    .usage = "lint [--days N]           problems and expiry forecast "
             "(default 60 days)",
};
static const struct ds_command cmd_certs_def = {
    .name = "certs",
    .run = cmd_certs,
    .usage = "certs                     the certificate store, with the "
             "tls_certificate_name of each",
};
static const struct ds_command cmd_check_def = {
    .name = "check-config",
    .run = cmd_check,
    .usage = "check-config              parse and validate only",
};
static const struct ds_command cmd_render_def = {
    .name = "render",
    .run = cmd_render,
    .flags = CMD_RENDER,
    .usage = "render postfix|sendmail [--output DIR] [--postmap]\n"
             "                            MTA configuration from the "
             "certificates the rules\n"
             "                            choose (--postmap: Postfix maps "
             "too)",
};

/* Every command, in the order --help lists them. */
static const struct ds_command *const commands[] = {
    &cmd_select_def, &cmd_explain_def, &cmd_lint_def,
    &cmd_certs_def,  &cmd_check_def,   &cmd_render_def,
    &ds_cmd_apply,   &ds_cmd_probe,    &ds_cmd_report,
    &ds_cmd_import,
};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: domsec-policy [-c FILE] [--at ISO-8601] "
                "[--without THUMBPRINT]...\n"
                "                     [--with CERT.pem[:KEY.pem]]... COMMAND "
                "[--json]\n\n"
                "commands:\n");
    for (size_t i = 0; i < DS_ARRAY_LEN(commands); i++)
        fprintf(fp, "  %s\n", commands[i]->usage);
    fprintf(fp,
            "\noptions:\n"
            "  -c, --config FILE     configuration (default %s)\n"
            "  --at TIME             evaluate at TIME (YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM[:SS]Z, UTC)\n"
            "  --without THUMBPRINT  as if this certificate were removed\n"
            "  --with CERT[:KEY]     as if this certificate (services smtp) "
            "were added\n"
            "  --json                machine-readable output\n"
            "  -h, --help            this help\n"
            "  -V, --version         the version\n\n"
            "exit status: 0 ok, 1 a connector cannot use TLS (select, "
            "explain, render:\n"
            "nothing is written) or lint found an error, 64 usage error, "
            "65 import: input\n"
            "that is not Format-List output or cannot be converted, 66 "
            "unreadable input,\n"
            "69 postmap failed, 73 the output cannot be written, 78 "
            "configuration or\n"
            "certificate error.\n"
            "See domsec-policy(8) and domsec.conf(5).\n",
            DS_DEFAULT_CONFIG);
}

#define usage_error ds_cli_usage_error

int ds_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "domsec-policy: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'domsec-policy --help'.\n");
    va_end(ap);
    return EXIT_USAGE;
}

static int push(const char ***v, size_t *n, const char *s)
{
    const char **nv = realloc(*v, (*n + 1) * sizeof(**v));
    if (nv == NULL)
        return -1;
    nv[(*n)++] = s;
    *v = nv;
    return 0;
}

/* Can DIR be written in Postfix's and Sendmail's configuration? */
static bool output_dir_ok(const char *d)
{
    for (const char *p = d; *p; p++)
        if ((unsigned char)*p < 0x21 || strchr(",{}`'\"", *p))
            return false;
    return *d != '\0';
}

/* render postfix|sendmail [--output DIR] [--postmap], apply's --output:
 * returns -1 to go on, or an exit status. */
/* The MTA render was given (names.h), or -1. */
static int render_mta(const struct ds_cli *cli)
{
    return cli->args.n ? ds_name_to_code(ds_mta_names, cli->args.v[0], -1)
                       : -1;
}

static int render_options(struct ds_cli *cli)
{
    bool render = cli->cmd->flags & CMD_RENDER;
    bool output = render || (cli->cmd->flags & DS_CMD_OUTPUT);
    if ((!output && cli->output) || (!render && cli->postmap))
        return usage_error("%s is an option of render%s, not of '%s'",
                           cli->postmap ? "--postmap" : "--output",
                           cli->postmap ? "" : " and apply", cli->cmd->name);
    if (render && (cli->args.n != 1 || (render_mta(cli) != DS_MTA_POSTFIX &&
                                        render_mta(cli) != DS_MTA_SENDMAIL)))
        return usage_error("%s", "render needs one MTA: postfix or sendmail");
    if (render && cli->json)
        return usage_error("%s", "render has no --json output");
    if (cli->postmap && render_mta(cli) != DS_MTA_POSTFIX)
        return usage_error("%s", "--postmap is for render postfix");
    if (cli->postmap && cli->output == NULL)
        return usage_error("%s", "--postmap needs --output DIR");
    if (cli->output == NULL)
        return -1;
    if (cli->output[0] != '/') {
        char cwd[4096];
        if (getcwd(cwd, sizeof(cwd)) == NULL ||
            asprintf(&cli->output_abs, "%s/%s", cwd, cli->output) < 0)
            return usage_error("--output: cannot make %s absolute",
                               cli->output);
    } else if ((cli->output_abs = strdup(cli->output)) == NULL) {
        return EXIT_SOFTWARE;
    }
    size_t n = strlen(cli->output_abs);
    while (n > 1 && cli->output_abs[n - 1] == '/')
        cli->output_abs[--n] = '\0';
    if (!output_dir_ok(cli->output_abs))
        return usage_error("--output: %s holds a space, comma, brace or "
                           "quote, which MTA configuration cannot carry",
                           cli->output_abs);
    cli->output = cli->output_abs;
    return -1;
}

/* The global options (any command may be given them). */
static const struct option global_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"at", required_argument, NULL, 'a'},
    {"with", required_argument, NULL, 'w'},
    {"without", required_argument, NULL, 'W'},
    {"json", no_argument, NULL, 'j'},
    {"days", required_argument, NULL, 'd'},
    {"output", required_argument, NULL, 'o'},
    {"postmap", no_argument, NULL, 'p'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
};

static const struct ds_command *find_command(const char *name)
{
    for (size_t i = 0; i < DS_ARRAY_LEN(commands); i++)
        if (strcmp(name, commands[i]->name) == 0)
            return commands[i];
    return NULL;
}

/* Does argv[i] take the next argument as its value? (Global options and
 * every command's own options: the command is not known yet.) */
static bool takes_value(const char *arg)
{
    if (strcmp(arg, "-c") == 0)
        return true;
    if (strncmp(arg, "--", 2) != 0 || strchr(arg, '=') != NULL)
        return false;
    for (size_t i = 0; i < DS_ARRAY_LEN(global_opts); i++)
        if (strcmp(arg + 2, global_opts[i].name) == 0)
            return global_opts[i].has_arg == required_argument;
    for (size_t i = 0; i < DS_ARRAY_LEN(commands); i++)
        for (const struct option *o = commands[i]->opts; o && o->name; o++)
            if (strcmp(arg + 2, o->name) == 0)
                return o->has_arg == required_argument;
    return false;
}

/* The first argument that is not an option: the command's name. */
static const char *command_name(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return i + 1 < argc ? argv[i + 1] : NULL;
        if (argv[i][0] != '-' || argv[i][1] == '\0')
            return argv[i];
        if (takes_value(argv[i]))
            i++;
    }
    return NULL;
}

/* Is name one of the command's own options? */
static bool own_option(const struct ds_command *cmd, const char *name)
{
    for (const struct option *o = cmd ? cmd->opts : NULL; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return true;
    return false;
}

/* The global options followed by the command's own; a command's option
 * takes the place of a global one of the same name (import --output). */
static struct option *option_table(const struct ds_command *cmd)
{
    size_t n = 0, m = 0;
    while (cmd && cmd->opts && cmd->opts[m].name)
        m++;
    struct option *t = calloc(DS_ARRAY_LEN(global_opts) + m + 1, sizeof(*t));
    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < DS_ARRAY_LEN(global_opts); i++)
        if (!own_option(cmd, global_opts[i].name))
            t[n++] = global_opts[i];
    if (m > 0)
        memcpy(t + n, cmd->opts, m * sizeof(*t));
    return t;
}

/* The options and the command. Returns -1 to go on, or an exit status. */
static int parse_options(int argc, char **argv, struct ds_cli *cli)
{
    const char *name = command_name(argc, argv);
    const struct ds_command *cmd = name ? find_command(name) : NULL;
    struct option *opts = option_table(cmd);
    const char *at = NULL, *days = NULL;
    int o, rc = -1;
    if (opts == NULL)
        return EXIT_SOFTWARE;
    opterr = 0;
    while (rc < 0 && (o = getopt_long(argc, argv, ":c:hV", opts, NULL)) != -1) {
        switch (o) {
        case 'c':
            cli->config = optarg;
            cli->config_set = true;
            break;
        case 'a':
            at = optarg;
            break;
        case 'w':
        case 'W':
            if (push(o == 'w' ? &cli->with : &cli->without,
                     o == 'w' ? &cli->nwith : &cli->nwithout, optarg) < 0)
                rc = EXIT_SOFTWARE;
            break;
        case 'j':
            cli->json = true;
            break;
        case 'd':
            days = optarg;
            break;
        case 'o':
            cli->output = optarg;
            break;
        case 'p':
            cli->postmap = true;
            break;
        case 'h':
            usage(stdout);
            rc = 0;
            break;
        case 'V':
            printf("domsec-policy %s\n", PACKAGE_VERSION);
            rc = 0;
            break;
        case ':':
            rc = usage_error("option '%s' needs a value", argv[optind - 1]);
            break;
        case '?':
            rc = usage_error("unknown option '%s'%s%s", argv[optind - 1],
                             cmd ? " for " : "", cmd ? cmd->name : "");
            break;
        default: /* one of the command's own */
            rc = cmd->option(o, optarg);
            break;
        }
    }
    free(opts);
    if (rc >= 0)
        return rc;
    if (optind >= argc)
        return usage_error("%s", "no command given");
    if ((cli->cmd = cmd) == NULL)
        return usage_error("unknown command '%s'", argv[optind]);
    cli->args.v = (const char **)argv + optind + 1;
    cli->args.n = (size_t)(argc - optind - 1);
    if ((cli->nwith || cli->nwithout) &&
        (cli->cmd->flags & (DS_CMD_NO_CONFIG | DS_CMD_NO_STORE)))
        return usage_error("--with and --without are not options of '%s'",
                           cli->cmd->name);
    if (cli->args.n > 0 &&
        !(cli->cmd->flags & (CMD_CONNECTORS | CMD_RENDER | DS_CMD_ARGS)))
        return usage_error("'%s' takes no arguments", cli->cmd->name);
    int r = render_options(cli);
    if (r < 0 && cli->cmd->check)
        r = cli->cmd->check(cli);
    if (r >= 0)
        return r;
    if (at && ds_time_parse(at, &cli->at) < 0)
        return usage_error("--at: cannot read the time '%s' (write "
                           "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC)",
                           at);
    if (days) {
        char *end;
        long d = strtol(days, &end, 10);
        if (!(cli->cmd->flags & CMD_DAYS))
            return usage_error("--days is an option of lint, not of '%s'",
                               cli->cmd->name);
        if (*days == '\0' || *end != '\0' || d < 0 || d > 36500)
            return usage_error("--days: '%s' is not a number of days", days);
        cli->days = (int)d;
    }
    for (size_t i = 0; i < cli->nwithout; i++) {
        char tp[41];
        if (ds_thumbprint_normalise(cli->without[i], tp) < 0)
            return usage_error("--without: '%s' is not a SHA-1 thumbprint "
                               "(40 hex digits, as `domsec-policy certs` "
                               "prints them)",
                               cli->without[i]);
    }
    return -1;
}

/* Problems the store found on first use: print them; 78 when errors. */
static int store_failed(const struct ds_ctx *c)
{
    const struct ds_diag *d = ds_certstore_diag(c->store);
    ds_diag_print(d, stderr);
    return d->nerrors ? DS_EXIT_CONFIG : 0;
}

static int run_selection(const struct ds_ctx *c, struct ds_selection *sel)
{
    if (ds_select_run(c->cfg, c->store, c->cli->at, &c->cli->args, sel) < 0) {
        fprintf(stderr, "domsec-policy: out of memory\n");
        return EXIT_SOFTWARE;
    }
    return store_failed(c);
}

static int select_or_explain(struct ds_ctx *c, bool explain)
{
    struct ds_selection sel;
    int rc = run_selection(c, &sel);
    if (rc == 0) {
        if (c->cli->json)
            ds_report_select_json(stdout, c->store, &sel);
        else
            ds_report_select_text(stdout, c->store, &sel, explain);
        rc = ds_select_all_advertise(&sel) ? 0 : 1;
    }
    ds_selection_free(&sel);
    return rc;
}

static int cmd_select(struct ds_ctx *c)
{
    return select_or_explain(c, false);
}

static int cmd_explain(struct ds_ctx *c)
{
    return select_or_explain(c, true);
}

static int cmd_lint(struct ds_ctx *c)
{
    struct ds_lint lint;
    ds_certstore_check_all(c->store, c->cli->at);
    int rc = store_failed(c);
    if (rc != 0)
        return rc;
    if (ds_lint_run(c->cfg, c->store, c->cli->at, c->cli->days, c->diag,
                    &lint) < 0) {
        ds_lint_free(&lint);
        fprintf(stderr, "domsec-policy: out of memory\n");
        return EXIT_SOFTWARE;
    }
    if (c->cli->json)
        ds_report_lint_json(stdout, &lint);
    else
        ds_report_lint_text(stdout, &lint);
    rc = lint.nerrors ? 1 : 0;
    ds_lint_free(&lint);
    return rc;
}

static int cmd_certs(struct ds_ctx *c)
{
    struct ds_selection sel;
    ds_certstore_check_all(c->store, c->cli->at);
    int rc = run_selection(c, &sel);
    if (rc == 0 && c->cli->json)
        ds_report_certs_json(stdout, c->store, &sel);
    else if (rc == 0)
        ds_report_certs_text(stdout, c->store, &sel);
    ds_selection_free(&sel);
    return rc;
}

static int cmd_render(struct ds_ctx *c)
{
    const struct ds_cli *cli = c->cli;
    const char *out = cli->output;
    bool postfix = render_mta(cli) == DS_MTA_POSTFIX;
    struct ds_render r;
    char err[4400];
    enum ds_render_status st =
        postfix ? ds_render_postfix(c->cfg, c->store, cli->at, out, &r)
                : ds_render_sendmail(c->cfg, c->store, cli->at, out, &r);
    int rc = store_failed(c);
    ds_diag_print(&r.diag, stderr);
    if (rc == 0 && st == DS_RENDER_NOMEM)
        fprintf(stderr, "domsec-policy: out of memory\n");
    if (rc == 0 && st != DS_RENDER_OK) {
        fprintf(stderr, "domsec-policy: render %s: nothing %s\n",
                cli->args.v[0], out ? "written" : "rendered");
        rc = (int)st;
    }
    if (rc != 0)
        goto out;
    if (out == NULL) {
        ds_render_print(&r, stdout);
        goto out;
    }
    if (ds_render_write(&r, out, stdout, err, sizeof(err)) < 0) {
        fprintf(stderr, "domsec-policy: render %s: %s\n", cli->args.v[0], err);
        rc = EXIT_CANTCREAT;
    } else if (cli->postmap &&
               ds_render_postmap(&r, out, stdout, err, sizeof(err)) < 0) {
        fprintf(stderr, "domsec-policy: render postfix: %s\n", err);
        rc = EXIT_UNAVAILABLE;
    }
out:
    ds_render_free(&r);
    return rc;
}

static int cmd_check(struct ds_ctx *c)
{
    ds_certstore_check_all(c->store, c->cli->at);
    const struct ds_diag *lazy = ds_certstore_diag(c->store);
    int rc = store_failed(c);
    if (c->cli->json)
        ds_report_check_json(stdout, c->cli->config, rc ? NULL : c->cfg,
                             c->store, rc ? lazy : c->diag);
    else if (rc == 0)
        ds_report_check_text(stdout, c->cli->config, c->cfg, c->store);
    return rc;
}

/* Load failed: the diagnostics on stderr (and as JSON for check-config
 * and lint, with their codes). */
static int load_failed(const struct ds_cli *cli, const struct ds_diag *diag)
{
    ds_diag_print(diag, stderr);
    if (cli->json && cli->cmd->run == cmd_check)
        ds_report_check_json(stdout, cli->config, NULL, NULL, diag);
    if (cli->json && cli->cmd->run == cmd_lint) {
        struct ds_lint lint;
        if (ds_lint_from_diag(diag, cli->at, cli->days, &lint) == 0)
            ds_report_lint_json(stdout, &lint);
        ds_lint_free(&lint);
    }
    return DS_EXIT_CONFIG;
}

/* --with CERT[:KEY] and --without THUMBPRINT. Returns 0 or an exit code. */
static int what_if(const struct ds_cli *cli, struct ds_certstore *store,
                   struct ds_diag *diag)
{
    for (size_t i = 0; i < cli->nwith; i++) {
        char *cert = strdup(cli->with[i]), *key = NULL;
        char *colon = cert ? strrchr(cert, ':') : NULL;
        if (cert == NULL)
            return EXIT_SOFTWARE;
        if (colon) { /* CERT:KEY; "CERT:" has no key */
            *colon = '\0';
            key = colon[1] ? colon + 1 : NULL;
        }
        int r = ds_certstore_add(store, cert, key, diag);
        free(cert);
        if (r < 0)
            return load_failed(cli, diag);
    }
    for (size_t i = 0; i < cli->nwithout; i++)
        if (ds_certstore_remove(store, cli->without[i]) == 0)
            return usage_error("--without: no certificate with thumbprint "
                               "%s in the store",
                               cli->without[i]);
    return 0;
}

/* select/explain CONNECTOR...: every name must be a connector. */
static int check_connectors(const struct ds_cli *cli,
                            const struct ds_config *cfg)
{
    if (!(cli->cmd->flags & CMD_CONNECTORS))
        return 0;
    for (size_t i = 0; i < cli->args.n; i++) {
        const char *n = cli->args.v[i];
        if (!ds_config_recv_by_name(cfg, n) && !ds_config_send_by_name(cfg, n))
            return usage_error("no connector named '%s' in %s", n, cli->config);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct ds_cli cli = {.config = DS_DEFAULT_CONFIG,
                         .at = (long long)time(NULL),
                         .days = DS_LINT_DEFAULT_DAYS};
    struct ds_diag diag = {0};
    struct ds_config *cfg = NULL;
    struct ds_certstore *store = NULL;
    int rc = parse_options(argc, argv, &cli);
    if (rc >= 0)
        goto out;
    if (cli.cmd->flags & DS_CMD_NO_CONFIG)
        goto run;
    if ((cfg = ds_config_load(cli.config, &diag)) == NULL) {
        rc = load_failed(&cli, &diag);
        goto out;
    }
    if ((rc = check_connectors(&cli, cfg)) != 0)
        goto out;
    if (cli.cmd->flags & DS_CMD_NO_STORE)
        goto warnings;
    if ((store = ds_certstore_load(cfg, &diag)) == NULL) {
        rc = load_failed(&cli, &diag);
        goto out;
    }
    if ((rc = what_if(&cli, store, &diag)) != 0)
        goto out;
warnings:
    /* lint and check-config --json report warnings themselves */
    if (cli.cmd->run != cmd_lint && !(cli.json && cli.cmd->run == cmd_check))
        ds_diag_print(&diag, stderr);
run:;
    struct ds_ctx c = {.cli = &cli, .cfg = cfg, .store = store, .diag = &diag};
    rc = cli.cmd->run(&c);
out:
    ds_certstore_free(store);
    ds_config_free(cfg);
    ds_diag_free(&diag);
    free(cli.with);
    free(cli.without);
    free(cli.output_abs);
    return rc;
}
