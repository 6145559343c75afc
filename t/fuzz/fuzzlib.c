/*
 * fuzzlib.c - helpers shared by the fuzz targets: the registry the replay
 * program walks, exact-size string copies, and a private file to hand
 * loaders that only take a path.
 *
 * Must not: depend on libFuzzer (replay builds use gcc).
 */
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

struct ds_fuzz_target *ds_fuzz_targets;

void ds_fuzz_register(struct ds_fuzz_target *t)
{
    struct ds_fuzz_target **p = &ds_fuzz_targets;
    while (*p != NULL)
        p = &(*p)->next;
    t->next = NULL;
    *p = t;
}

char *ds_fuzz_str(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

size_t ds_fuzz_fields(const uint8_t *data, size_t size, char sep, char **out,
                      size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i < max; i++)
        out[i] = NULL;
    if (max == 0)
        return 0;
    for (size_t i = 0; i <= size && n < max; i++) {
        if (i == size || data[i] == (uint8_t)sep) {
            out[n++] = ds_fuzz_str(data + start, i - start);
            start = i + 1;
        }
    }
    return n;
}

void ds_fuzz_fields_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
        v[i] = NULL;
    }
}

static char dir[64], file[96];

static void remove_dir(void)
{
    unlink(file);
    rmdir(dir);
}

const char *ds_fuzz_file(const uint8_t *data, size_t size)
{
    if (dir[0] == '\0') {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/ds-fuzz.XXXXXX",
                 t && t[0] && strlen(t) < 40 ? t : "/tmp");
        if (mkdtemp(dir) == NULL) {
            dir[0] = '\0';
            return NULL;
        }
        snprintf(file, sizeof(file), "%s/input", dir);
        atexit(remove_dir);
    }
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return NULL;
        }
        done += (size_t)w;
    }
    return close(fd) == 0 ? file : NULL;
}
