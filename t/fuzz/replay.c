/*
 * replay.c - run the fuzz targets over their corpora without libFuzzer, so
 * `make check` (gcc or clang, plain or with sanitizers, or under valgrind)
 * re-checks every seed and every input that once crashed a target.
 *
 *   replay                       every target over
 *                                $top_srcdir/t/fuzz/corpus/NAME; prints TAP
 *   replay NAME PATH...          one target over files or directories
 *                                (to reproduce a crash with any build)
 *
 * A crash or a broken invariant aborts (the test fails with the message
 * and the input's name just before it on stderr); a target without a
 * single corpus file is a failure too.
 *
 * Must not: fuzz (no mutation, no time spent beyond the corpus).
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int read_all(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
        if (n == cap) {
            uint8_t *b = realloc(buf, cap * 2);
            if (b == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (buf == NULL || err) {
        free(buf);
        return -1;
    }
    /* An exact-size copy, so reads past the input are caught. */
    *data = malloc(n ? n : 1);
    if (*data == NULL) {
        free(buf);
        return -1;
    }
    memcpy(*data, buf, n);
    free(buf);
    *size = n;
    return 0;
}

static int one_file(const struct ds_fuzz_target *t, const char *path)
{
    uint8_t *data;
    size_t size;
    if (read_all(path, &data, &size) < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(stderr, "replay: %s %s\n", t->name, path);
    t->one(data, size);
    free(data);
    return 0;
}

static int skip_name(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Feed every file under path (sorted); returns how many, or -1. */
static long run_path(const struct ds_fuzz_target *t, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return one_file(t, path) < 0 ? -1 : 1;
    struct dirent **names;
    int n = scandir(path, &names, skip_name, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    long count = 0;
    for (int i = 0; i < n; i++) {
        char sub[4096];
        snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
        long r = count >= 0 ? run_path(t, sub) : 0;
        count = r < 0 ? -1 : count + r;
        free(names[i]);
    }
    free(names);
    return count;
}

static const struct ds_fuzz_target *find(const char *name)
{
    for (const struct ds_fuzz_target *t = ds_fuzz_targets; t; t = t->next)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc >= 2) {
        const struct ds_fuzz_target *t = find(argv[1]);
        if (t == NULL || argc < 3) {
            fprintf(stderr, "usage: replay [TARGET PATH...]; targets:");
            for (t = ds_fuzz_targets; t; t = t->next)
                fprintf(stderr, " %s", t->name);
            fprintf(stderr, "\n");
            return 64;
        }
        if (t->init != NULL && t->init() != 0)
            return 1;
        for (int i = 2; i < argc; i++)
            if (run_path(t, argv[i]) < 0)
                return 1;
        printf("replay: %s: done\n", t->name);
        return 0;
    }
    const char *top = getenv("top_srcdir");
    int n = 0, failed = 0;
    for (const struct ds_fuzz_target *t = ds_fuzz_targets; t; t = t->next) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/t/fuzz/corpus/%s", top ? top : ".",
                 t->name);
        if (t->init != NULL && t->init() != 0) {
            printf("not ok %d - %s: init failed\n", ++n, t->name);
            failed = 1;
            continue;
        }
        long count = run_path(t, dir);
        printf("%s %d - %s: %ld corpus inputs replayed\n",
               count > 0 ? "ok" : "not ok", ++n, t->name, count);
        fflush(stdout);
        if (count <= 0)
            failed = 1;
    }
    if (n == 0) {
        printf("not ok 1 - no fuzz target registered\n");
        n = 1;
        failed = 1;
    }
    printf("1..%d\n", n);
    return failed;
}
