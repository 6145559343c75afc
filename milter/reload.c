/*
 * reload.c - loading domsec-milter's configuration (process.h): the one
 * load path used at start-up, after dropping privileges and at every
 * SIGHUP, and the reload that installs a new configuration only when it
 * loaded whole.
 *
 * The milter loads with DS_CONFIG_NO_RESOLVE: it never uses server.fqdn,
 * so a reload makes no DNS query.
 *
 * Must not: replace the running configuration with one that failed to
 * load, or run in a signal handler (it is called from run.c's loop).
 */
#include "process.h"

#include <stdio.h>
#include <string.h>

#include "certfile.h"
#include "live.h"
#include "log.h"
#include "stats.h"

/* Print or log every diagnostic of a load. */
static void report_diag(const struct ds_diag *d, bool to_log,
                        const char *prefix)
{
    char buf[2048];
    for (size_t i = 0; i < d->n; i++) {
        const struct ds_diag_item *it = &d->v[i];
        ds_diag_format_coded(it, buf, sizeof(buf));
        if (to_log)
            ds_log(it->sev == DS_SEV_ERROR ? DS_LOG_ERROR : DS_LOG_WARNING,
                   "%s%s%s%s%s", prefix, buf, it->hint ? " (hint: " : "",
                   it->hint ? it->hint : "", it->hint ? ")" : "");
        else if (it->hint)
            fprintf(stderr, "%s%s\n    hint: %s\n", prefix, buf, it->hint);
        else
            fprintf(stderr, "%s%s\n", prefix, buf);
    }
    if (d->nerrors + d->nwarnings > d->n) {
        if (to_log)
            ds_log(DS_LOG_ERROR, "%sout of memory recording diagnostics",
                   prefix);
        else
            fprintf(stderr, "%sout of memory recording diagnostics\n", prefix);
    }
}

struct ds_config *ds_milter_load(const char *path, bool to_log,
                                 const char *pfx)
{
    struct ds_diag d = {0};
    struct ds_config *c = ds_config_load_flags(path, DS_CONFIG_NO_RESOLVE, &d);
    if (c != NULL && ds_certfile_check_config(c, &d) > 0) {
        ds_config_free(c);
        c = NULL;
    }
    report_diag(&d, to_log, pfx);
    ds_diag_free(&d);
    return c;
}

void ds_milter_apply_settings(const struct ds_config *cfg)
{
    ds_log_set_level(cfg->milter.log_level);
}

void ds_milter_reload(const char *path, const struct ds_config *running)
{
    struct ds_config *c = ds_milter_load(path, true, "reload: ");
    if (c == NULL) {
        ds_stats_inc(DS_STAT_RELOAD_FAILURES);
        ds_log(DS_LOG_ERROR,
               "reload of %s failed: keeping the previous configuration",
               path);
        return;
    }
    if (strcmp(c->milter.socket, running->milter.socket) != 0 ||
        c->milter.socket_mode != running->milter.socket_mode ||
        (c->milter.user == NULL) != (running->milter.user == NULL) ||
        (c->milter.user && strcmp(c->milter.user, running->milter.user)))
        ds_log(DS_LOG_WARNING, "milter.socket, socket_mode and user take "
                               "effect at the next restart");
    if (c->milter.syslog_facility != running->milter.syslog_facility)
        ds_log_set_facility(c->milter.syslog_facility);
    ds_milter_apply_settings(c);
    size_t ndomains = c->receive_list.n, nconn = c->nrecv;
    if (ds_live_install(c) != 0) {
        ds_stats_inc(DS_STAT_RELOAD_FAILURES);
        ds_log(DS_LOG_ERROR, "reload: out of memory; keeping the previous "
                             "configuration");
        return;
    }
    ds_stats_inc(DS_STAT_RELOADS);
    ds_log(DS_LOG_INFO,
           "reloaded configuration from %s: %zu receive domain(s), %zu "
           "receive connector(s)",
           path, ndomains, nconn);
}
