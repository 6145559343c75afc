/*
 * cmd_apply.c - `domsec-policy apply postfix [--config-directory DIR]
 * [--output DIR] [--dry-run] [--revert] [--no-reload]`: the command's
 * options, and its call into apply.c. The configuration is loaded here,
 * not by main.c, so that --revert works even when domsec.conf does not.
 *
 * Must not: merge or write anything itself (apply.c does).
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "apply.h"

enum {
    OPT_CONFIG_DIRECTORY = DS_CLI_OPT_BASE,
    OPT_DRY_RUN,
    OPT_REVERT,
    OPT_NO_RELOAD,
};

static const struct option apply_opts[] = {
    {"config-directory", required_argument, NULL, OPT_CONFIG_DIRECTORY},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"revert", no_argument, NULL, OPT_REVERT},
    {"no-reload", no_argument, NULL, OPT_NO_RELOAD},
    {NULL, 0, NULL, 0},
};

static struct ds_apply_opts opts;
static bool revert;

static int apply_option(int val, const char *arg)
{
    switch (val) {
    case OPT_CONFIG_DIRECTORY:
        if (*arg == '\0')
            return ds_cli_usage_error("%s", "--config-directory needs a "
                                            "directory");
        opts.config_dir = arg;
        break;
    case OPT_DRY_RUN:
        opts.dry_run = true;
        break;
    case OPT_REVERT:
        revert = true;
        break;
    case OPT_NO_RELOAD:
        opts.no_reload = true;
        break;
    }
    return -1;
}

static int apply_check(const struct ds_cli *cli)
{
    if (cli->args.n != 1 || strcmp(cli->args.v[0], "postfix") != 0)
        return ds_cli_usage_error("%s", "apply needs one MTA: postfix (for "
                                        "Sendmail, use render sendmail)");
    if (cli->json)
        return ds_cli_usage_error("%s", "apply has no --json output");
    opts.output = cli->output;
    return -1;
}

static int apply_run(struct ds_ctx *c)
{
    struct ds_diag diag = {0};
    struct ds_config *cfg = NULL;
    struct ds_certstore *store = NULL;
    int rc;
    if (revert) {
        rc = (int)ds_apply_revert(&opts, stdout, &diag);
        goto out;
    }
    if ((cfg = ds_config_load(c->cli->config, &diag)) == NULL ||
        (store = ds_certstore_load(cfg, &diag)) == NULL) {
        rc = DS_EXIT_CONFIG;
        goto out;
    }
    rc = (int)ds_apply_postfix(cfg, store, c->cli->at, &opts, stdout, &diag);
out:
    fflush(stdout);
    ds_diag_print(&diag, stderr);
    ds_diag_free(&diag);
    ds_certstore_free(store);
    ds_config_free(cfg);
    return rc;
}

const struct ds_command ds_cmd_apply = {
    .name = "apply",
    .run = apply_run,
    .flags = DS_CMD_ARGS | DS_CMD_NO_CONFIG | DS_CMD_OUTPUT,
    .usage = "apply postfix [--config-directory DIR] [--output DIR] "
             "[--dry-run]\n"
             "              [--revert] [--no-reload]\n"
             "                            merge into a live Postfix "
             "(postconf), check, reload",
    .opts = apply_opts,
    .option = apply_option,
    .check = apply_check,
};
