/*
 * apply.h - `domsec-policy apply postfix`: render the policy, then merge
 * it into a live Postfix configuration directory with Postfix's own
 * editor (postconf -e / -X / -M / -M# / -MX), never by appending:
 *
 *   apply.c        the merge: which main.cf values and master.cf entries
 *                  change, the listeners a receive connector replaces,
 *                  whether every mail-taking listener reaches the milter
 *   apply_files.c  the working copy, the originals kept for --revert, the
 *                  record of what apply merged, diffs, renames, reload
 *
 * Every change is made on a copy of main.cf and master.cf in a temporary
 * directory inside the configuration directory, checked there with
 * `postfix check`, and only then renamed into place: a failure at any step
 * leaves the live files as they were.
 *
 * Must not: print anything but the summary it is given a FILE for, or
 * exit; choose certificates (render.c and select.c do).
 */
#ifndef DS_APPLY_H
#define DS_APPLY_H

#include <stdbool.h>
#include <stdio.h>

#include "certstore.h"
#include "dsconfig.h"
#include "diag.h"

/* What apply came to (also the CLI's exit status). */
enum ds_apply_status {
    DS_APPLY_OK = 0,
    DS_APPLY_REFUSED = 1,      /* render refused: a connector has no cert */
    DS_APPLY_NOINPUT = 66,     /* no main.cf/master.cf, nothing to revert */
    DS_APPLY_UNAVAILABLE = 69, /* a Postfix command failed */
    DS_APPLY_SOFTWARE = 70,    /* out of memory */
    DS_APPLY_CANTCREAT = 73,   /* a file or directory cannot be written */
    DS_APPLY_TEMPFAIL = 75,    /* another apply or revert holds the lock */
    DS_APPLY_CONFIG = 78,      /* domsec.conf cannot be applied here */
};

struct ds_apply_opts {
    const char *config_dir; /* NULL: `postconf -h config_directory` */
    const char *output;     /* absolute; NULL: CONFIG_DIR/domsec */
    bool dry_run;           /* print a unified diff, change nothing */
    bool no_reload;         /* never run `postfix reload` */
};

/* The name of the directory (under the output directory) that keeps the
 * files as they were before the first apply, and the record of what apply
 * merged. */
#define DS_APPLY_BACKUP "backup"

/*
 * Render cfg at time `at` and merge it into the Postfix configuration
 * directory. One line per action goes to summary (the diff with
 * --dry-run); errors and warnings go to diag (each with the file to look
 * at and a hint). Returns the status.
 */
enum ds_apply_status ds_apply_postfix(const struct ds_config *cfg,
                                      const struct ds_certstore *store,
                                      long long at,
                                      const struct ds_apply_opts *o,
                                      FILE *summary, struct ds_diag *diag);

/* Put main.cf and master.cf back as they were before the first apply
 * (byte for byte) and forget the record; the same reporting. */
enum ds_apply_status ds_apply_revert(const struct ds_apply_opts *o,
                                     FILE *summary, struct ds_diag *diag);

/* ---- shared by apply.c and apply_files.c -------------------------------- */

/* The directories one run works with. */
struct ds_apply_dirs {
    char dir[2048];    /* Postfix's configuration directory */
    char out[2048];    /* the rendered files */
    char backup[2100]; /* out/backup */
    char tmp[2100];    /* the working copy: dir/.domsec-apply.XXXXXX */
    int lock;          /* dir itself, flock()ed for the run; -1: not held */
};

/* Find the directories (dir/main.cf and dir/master.cf must exist).
 * Returns the status; an error in diag when not OK. */
enum ds_apply_status ds_apply_dirs(const struct ds_apply_opts *o,
                                   struct ds_apply_dirs *d,
                                   struct ds_diag *diag);

/* Take the run's lock: an exclusive flock() on the configuration
 * directory itself (nothing is created; the kernel drops it when the
 * process ends), so two applies or an apply and a revert never edit the
 * same main.cf at once. Does not wait: DS_APPLY_TEMPFAIL when another run
 * holds it. */
enum ds_apply_status ds_apply_lock(struct ds_apply_dirs *d,
                                   struct ds_diag *diag);
void ds_apply_unlock(struct ds_apply_dirs *d);

/* Make d->tmp holding copies of main.cf and master.cf (their modes and
 * owners kept). Returns the status. */
enum ds_apply_status ds_apply_workcopy(struct ds_apply_dirs *d,
                                       struct ds_diag *diag);
/* Remove d->tmp and what is in it (no-op when not made). */
void ds_apply_workcopy_remove(struct ds_apply_dirs *d);

/* Do two files hold the same bytes? (A missing file equals nothing.) */
bool ds_apply_same(const char *a, const char *b);

/* Copy src to dir/name through a temporary file and a rename, with the
 * mode and owner of like (src when NULL). Returns 0 or -1 (errno). */
int ds_apply_install(const char *src, const char *dir, const char *name,
                     const char *like);

/* `diff -u` of a and b, labelled with the file name `label`, to fp
 * (a missing file reads as empty). Returns 0, or -1 when diff failed. */
int ds_apply_diff(const char *a, const char *b, const char *label, FILE *fp);

/* Reload Postfix when it is running (postfix -c DIR status, reload).
 * Returns the status. */
enum ds_apply_status ds_apply_reload(const char *dir, FILE *summary,
                                     struct ds_diag *diag);

#endif
