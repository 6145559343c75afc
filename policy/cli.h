/*
 * cli.h - what a domsec-policy command is: main.c parses the global
 * options, finds the command, loads what the command needs (the
 * configuration, the certificate store) and calls it. A command that has
 * options of its own declares them here (a getopt_long table and a
 * handler), so that a new command is one file and one line in main.c's
 * table.
 *
 * Must not: hold rules or formatting (those are the engine's modules).
 */
#ifndef DS_CLI_H
#define DS_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "certstore.h"
#include "dsconfig.h"
#include "diag.h"
#include "util.h"

/* Exit statuses (sysexits.h) besides 0, 1 and DS_EXIT_CONFIG. */
#define DS_EXIT_USAGE 64
#define DS_EXIT_DATAERR 65
#define DS_EXIT_NOINPUT 66
#define DS_EXIT_UNAVAILABLE 69
#define DS_EXIT_SOFTWARE 70
#define DS_EXIT_CANTCREAT 73

/* A command's own long options use getopt values from this one on. */
#define DS_CLI_OPT_BASE 0x100

/* What a command takes and needs (struct ds_command.flags). */
enum {
    DS_CMD_CONNECTORS = 1 << 0, /* CONNECTOR... arguments */
    DS_CMD_DAYS = 1 << 1,       /* lint --days */
    DS_CMD_RENDER = 1 << 2,     /* render MTA --output --postmap */
    DS_CMD_ARGS = 1 << 3,       /* free arguments, checked by the command */
    DS_CMD_NO_CONFIG = 1 << 4,  /* runs without loading -c FILE */
    DS_CMD_NO_STORE = 1 << 5,   /* needs the configuration only */
    DS_CMD_OUTPUT = 1 << 6,     /* takes --output DIR (made absolute) */
};

struct ds_command;

/* The global options, and the arguments after the command. */
struct ds_cli {
    const char *config;
    bool config_set; /* -c given */
    long long at;
    const char **with, **without;
    size_t nwith, nwithout;
    bool json;
    int days;
    const char *output; /* render --output DIR, made absolute */
    char *output_abs;
    bool postmap;
    const struct ds_command *cmd;
    struct ds_strlist args; /* after the command, options removed */
};

/* What a command gets: everything it asked for, loaded. */
struct ds_ctx {
    const struct ds_cli *cli;
    const struct ds_config *cfg; /* NULL with DS_CMD_NO_CONFIG */
    struct ds_certstore *store;  /* NULL with DS_CMD_NO_CONFIG/NO_STORE */
    struct ds_diag *diag;        /* load diagnostics (warnings only) */
};

struct ds_command {
    const char *name;
    int (*run)(struct ds_ctx *c); /* returns the exit status */
    unsigned flags;
    const char *usage; /* one or more lines for --help */
    /* The command's own options (NULL or ended by a zero entry, values
     * from DS_CLI_OPT_BASE on), and their handler: returns -1 to go on,
     * or an exit status (use ds_cli_usage_error). Called once per option,
     * in order, before the configuration is loaded. */
    const struct option *opts;
    int (*option)(int val, const char *arg);
    /* Called after every option was read (NULL: none): checks the
     * arguments; returns -1 to go on or an exit status. */
    int (*check)(const struct ds_cli *cli);
};

/* "domsec-policy: MESSAGE" and the --help hint on stderr; returns 64. */
int ds_cli_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* The commands that live in files of their own (cmd_*.c). */
extern const struct ds_command ds_cmd_apply;
extern const struct ds_command ds_cmd_probe;
extern const struct ds_command ds_cmd_report;
extern const struct ds_command ds_cmd_import;

#endif
