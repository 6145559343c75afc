/*
 * cmd_report.c - `domsec-policy report [--since TIME] [LOGFILE...]`: read
 * domsec-milter's decision lines from mail logs (standard input without a
 * file), sum them up per partner of tls_receive_domain_secure_list
 * (maillog.c), and say for each whether it is ready for mode = "enforce":
 * what passed, what failed (refused, or in monitor mode would have been)
 * by reason, the certificate names and issuers seen, first and last seen,
 * and the partners that sent nothing.
 *
 * Must not: write anything but the report, or stop at a line it cannot
 * read (maillog.c skips it).
 */
#include "dsconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "maillog.h"
#include "names.h"

enum { OPT_SINCE = DS_CLI_OPT_BASE };

static const struct option report_opts[] = {
    {"since", required_argument, NULL, OPT_SINCE},
    {NULL, 0, NULL, 0},
};

static const char *since_arg;

static int report_option(int val, const char *arg)
{
    if (val == OPT_SINCE)
        since_arg = arg;
    return -1;
}

/* ---- reading ------------------------------------------------------------ */

static int read_log(FILE *fp, const struct ds_config *cfg, long long now,
                    struct ds_ml_report *r)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    struct ds_ml_line l;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        r->lines++;
        if (ds_ml_parse(line, now, &l))
            ds_ml_report_add(r, cfg, &l);
    }
    free(line);
    return ferror(fp) ? -1 : 0;
}

static int read_all(const struct ds_cli *cli, const struct ds_config *cfg,
                    struct ds_ml_report *r)
{
    if (cli->args.n == 0) {
        if (read_log(stdin, cfg, cli->at, r) == 0)
            return 0;
        fprintf(stderr, "domsec-policy: report: standard input: %s\n",
                strerror(errno));
        return DS_EXIT_NOINPUT;
    }
    for (size_t i = 0; i < cli->args.n; i++) {
        const char *f = cli->args.v[i];
        FILE *fp = strcmp(f, "-") == 0 ? stdin : fopen(f, "r");
        int rc = fp ? read_log(fp, cfg, cli->at, r) : -1;
        int e = errno;
        if (fp && fp != stdin)
            fclose(fp);
        if (rc < 0) {
            fprintf(stderr,
                    "domsec-policy: report: %s: %s\n"
                    "  hint: mail logs are often readable by root or the adm "
                    "group only\n",
                    f, strerror(e));
            return DS_EXIT_NOINPUT;
        }
    }
    return 0;
}

/* ---- verdicts ----------------------------------------------------------- */

static const char *verdict(const struct ds_ml_partner *p)
{
    if (ds_ml_failures(p) > 0)
        return "not-ready";
    if (p->pass > 0)
        return "ready";
    return p->messages > 0 ? "unjudged" : "silent";
}

static const char *iso(long long t, char *buf)
{
    return ds_time_iso(t, buf, 32);
}

/* ---- text --------------------------------------------------------------- */

static void names_text(FILE *fp, const char *label, const struct ds_ml_names *t)
{
    if (t->n == 0)
        return;
    fprintf(fp, "    %-11s", label);
    for (size_t i = 0; i < t->n; i++)
        fprintf(fp, "%s%s (%lu)", i ? ", " : "", t->v[i].name, t->v[i].n);
    if (t->more)
        fprintf(fp, ", and %lu more messages with other names", t->more);
    fprintf(fp, "\n");
}

static void failures_text(FILE *fp, const struct ds_ml_partner *p)
{
    static const char *const how[DS_ML_ACTION_COUNT] = {
        "refused", "quarantined", "would have been refused (monitor)"};
    for (int i = 0; i < DS_ML_REASON_COUNT; i++)
        for (int a = 0; a < DS_ML_ACTION_COUNT; a++)
            if (p->fail[i][a])
                fprintf(fp, "    %-30s %lu %s\n",
                        ds_ml_reason_name((enum ds_ml_reason)i), p->fail[i][a],
                        how[a]);
}

static void partner_text(FILE *fp, const struct ds_ml_partner *p)
{
    char a[32], b[32];
    const char *v = verdict(p);
    fprintf(fp, "\n%s: %s", p->name,
            strcmp(v, "not-ready") == 0 ? "NOT READY" : v);
    if (p->messages == 0) {
        fprintf(fp, ": no mail from it in the log\n");
        return;
    }
    fprintf(fp, ": %lu passed, %lu failed", p->pass, ds_ml_failures(p));
    if (p->not_enforced)
        fprintf(fp, ", %lu not judged", p->not_enforced);
    fprintf(fp, "%s\n",
            p->listed ? "" : " (no longer on tls_receive_domain_secure_list)");
    failures_text(fp, p);
    if (p->not_enforced)
        fprintf(fp,
                "    %-30s %lu (a connector without domain security, or "
                "before it was listed)\n",
                "not judged", p->not_enforced);
    names_text(fp, "peers", &p->peers);
    names_text(fp, "issuers", &p->issuers);
    if (p->domains.n > 1 ||
        (p->domains.n == 1 && strcmp(p->domains.v[0].name, p->name) != 0))
        names_text(fp, "senders", &p->domains);
    names_text(fp, "connectors", &p->connectors);
    if (p->dated)
        fprintf(fp, "    %-11s%s to %s\n", "seen", iso(p->first, a),
                iso(p->last, b));
}

static void report_text(FILE *fp, const struct ds_cli *cli,
                        const struct ds_config *cfg,
                        const struct ds_ml_report *r)
{
    char a[32], b[32];
    fprintf(fp, "domsec-milter decisions: %lu in %lu lines", r->decisions,
            r->lines);
    if (r->dated)
        fprintf(fp, ", %s to %s", iso(r->first, a), iso(r->last, b));
    fprintf(fp, "\n");
    if (r->since)
        fprintf(fp, "since %s: %lu older and %lu undated decisions left out\n",
                iso(r->since, a), r->older_skipped, r->undated_skipped);
    fprintf(fp, "milter.mode in %s: %s\n", cli->config,
            ds_name_of(ds_mode_names, (int)cfg->milter.mode));
    if (r->decisions == 0)
        fprintf(fp,
                "no decision lines found: the milter logs passes at level "
                "info and failures at\nwarning (milter.log_level), to syslog "
                "facility %s (milter.syslog_facility),\nor to standard error "
                "with -f (the journal, under systemd)\n",
                cfg->milter.syslog_facility_name
                    ? cfg->milter.syslog_facility_name
                    : "mail");
    size_t count[4] = {0};
    for (size_t i = 0; i < r->n; i++) {
        partner_text(fp, &r->v[i]);
        const char *v = verdict(&r->v[i]);
        count[v[0] == 'r' ? 0 : v[0] == 'n' ? 1 : v[0] == 'u' ? 2 : 3]++;
    }
    fprintf(fp,
            "\npartners: %zu ready, %zu not ready, %zu not judged, %zu "
            "silent; decisions about senders not on the list: %lu\n",
            count[0], count[1], count[2], count[3], r->others);
}

/* ---- JSON --------------------------------------------------------------- */

static void names_json(struct ds_json *j, const char *key,
                       const struct ds_ml_names *t)
{
    ds_json_key(j, key);
    ds_json_begin_array(j);
    for (size_t i = 0; i < t->n; i++) {
        ds_json_begin_object(j);
        ds_json_kv_string(j, "name", t->v[i].name);
        ds_json_kv_int(j, "messages", (long long)t->v[i].n);
        ds_json_end_object(j);
    }
    ds_json_end_array(j);
}

static void time_json(struct ds_json *j, const char *key, bool dated,
                      long long t)
{
    char a[32];
    ds_json_kv_string(j, key, dated ? iso(t, a) : NULL);
}

static void partner_json(struct ds_json *j, const struct ds_ml_partner *p)
{
    ds_json_begin_object(j);
    ds_json_kv_string(j, "partner", p->name);
    ds_json_kv_bool(j, "listed", p->listed);
    ds_json_kv_string(j, "verdict", verdict(p));
    ds_json_kv_int(j, "messages", (long long)p->messages);
    ds_json_kv_int(j, "pass", (long long)p->pass);
    ds_json_kv_int(j, "failed", (long long)ds_ml_failures(p));
    ds_json_kv_int(j, "not_judged", (long long)p->not_enforced);
    ds_json_key(j, "failures");
    ds_json_begin_array(j);
    for (int i = 0; i < DS_ML_REASON_COUNT; i++) {
        const unsigned long *f = p->fail[i];
        if (f[DS_ML_REFUSED] + f[DS_ML_QUARANTINED] + f[DS_ML_MONITORED] == 0)
            continue;
        ds_json_begin_object(j);
        ds_json_kv_string(j, "reason", ds_ml_reason_name((enum ds_ml_reason)i));
        for (int a = 0; a < DS_ML_ACTION_COUNT; a++)
            ds_json_kv_int(j, ds_ml_action_name((enum ds_ml_action)a),
                           (long long)f[a]);
        ds_json_end_object(j);
    }
    ds_json_end_array(j);
    names_json(j, "peers", &p->peers);
    names_json(j, "issuers", &p->issuers);
    names_json(j, "senders", &p->domains);
    names_json(j, "connectors", &p->connectors);
    time_json(j, "first_seen", p->dated, p->first);
    time_json(j, "last_seen", p->dated, p->last);
    ds_json_end_object(j);
}

static void report_json(FILE *fp, const struct ds_cli *cli,
                        const struct ds_config *cfg,
                        const struct ds_ml_report *r)
{
    struct ds_json j;
    ds_json_init(&j, fp, true);
    ds_json_begin_object(&j);
    ds_json_key(&j, "files");
    ds_json_begin_array(&j);
    for (size_t i = 0; i < cli->args.n; i++)
        ds_json_string(&j, cli->args.v[i]);
    ds_json_end_array(&j);
    time_json(&j, "since", r->since != 0, r->since);
    ds_json_kv_int(&j, "lines", (long long)r->lines);
    ds_json_kv_int(&j, "decisions", (long long)r->decisions);
    ds_json_kv_int(&j, "older_skipped", (long long)r->older_skipped);
    ds_json_kv_int(&j, "undated_skipped", (long long)r->undated_skipped);
    ds_json_kv_int(&j, "others", (long long)r->others);
    time_json(&j, "first", r->dated, r->first);
    time_json(&j, "last", r->dated, r->last);
    ds_json_kv_string(&j, "mode",
                      ds_name_of(ds_mode_names, (int)cfg->milter.mode));
    ds_json_key(&j, "partners");
    ds_json_begin_array(&j);
    for (size_t i = 0; i < r->n; i++)
        partner_json(&j, &r->v[i]);
    ds_json_end_array(&j);
    ds_json_end_object(&j);
    ds_json_finish(&j);
}

/* ---- the command -------------------------------------------------------- */

static int cmd_report(struct ds_ctx *c)
{
    long long since = 0;
    if (since_arg && ds_ml_since_parse(since_arg, c->cli->at, &since) < 0)
        return ds_cli_usage_error("--since: cannot read the time '%s' (write "
                                  "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, or 7d, "
                                  "12h, 30m)",
                                  since_arg);
    struct ds_ml_report r;
    ds_ml_report_init(&r, since);
    int rc = read_all(c->cli, c->cfg, &r);
    if (rc == 0) {
        ds_ml_report_finish(&r, c->cfg);
        if (r.oom) {
            fprintf(stderr, "domsec-policy: out of memory\n");
            rc = DS_EXIT_SOFTWARE;
        } else {
            if (c->cli->json)
                report_json(stdout, c->cli, c->cfg, &r);
            else
                report_text(stdout, c->cli, c->cfg, &r);
            for (size_t i = 0; i < r.n; i++)
                if (ds_ml_failures(&r.v[i]) > 0)
                    rc = 1;
        }
    }
    ds_ml_report_free(&r);
    return rc;
}

const struct ds_command ds_cmd_report = {
    .name = "report",
    .run = cmd_report,
    .flags = DS_CMD_ARGS | DS_CMD_NO_STORE,
    .usage = "report [--since TIME] [LOGFILE...]\n"
             "                            per partner, what the milter "
             "decided (standard\n"
             "                            input without a file); exit 1 when "
             "a partner failed",
    .opts = report_opts,
    .option = report_option,
};
