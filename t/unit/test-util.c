/*
 * test-util.c - the growable array (ds_grow: doubling, room kept, overflow
 * refused with the array intact) and the string list (ds_strlist).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util.h"

static void test_grow(void)
{
    int *v = NULL;
    size_t cap = 0;
    int *nv = ds_grow(v, &cap, 1, sizeof(*v), 4);
    ok(nv != NULL && cap == 4, "first growth: the first capacity (4)");
    v = nv;
    for (int i = 0; i < 4; i++)
        v[i] = i;
    ok(ds_grow(v, &cap, 4, sizeof(*v), 4) == v && cap == 4,
       "room left: the same array, the same capacity");
    nv = ds_grow(v, &cap, 5, sizeof(*v), 4);
    ok(nv != NULL && cap == 8, "one more than the capacity: doubled (8)");
    v = nv;
    ok(v[0] == 0 && v[3] == 3, "the elements are kept");
    nv = ds_grow(v, &cap, 100, sizeof(*v), 4);
    ok(nv != NULL && cap == 128, "far more: doubled until it fits (128)");
    v = nv;

    size_t before = cap;
    errno = 0;
    ok(ds_grow(v, &cap, SIZE_MAX / 2, sizeof(*v), 4) == NULL &&
           errno == EOVERFLOW,
       "need * size beyond SIZE_MAX: NULL, EOVERFLOW");
    ok(cap == before && v[3] == 3, "... the array and its capacity intact");
    errno = 0;
    ok(ds_grow(v, &cap, SIZE_MAX, 1, 4) == NULL && errno == EOVERFLOW,
       "SIZE_MAX one-byte elements: refused before realloc (EOVERFLOW)");
    errno = 0;
    ok(ds_grow(v, &cap, (size_t)PTRDIFF_MAX + 1, 1, 4) == NULL &&
           errno == EOVERFLOW,
       "more than PTRDIFF_MAX bytes: refused before realloc (EOVERFLOW)");
    free(v);

    char *b = NULL;
    size_t bcap = 0;
    b = ds_grow(b, &bcap, 1, 1, 0);
    ok(b != NULL && bcap == 1, "first capacity 0: one element");
    free(b);
}

static void test_strlist(void)
{
    struct ds_strlist l = {0};
    ok(ds_strlist_add(&l, "Woodgrovebank.com") == 0 &&
           ds_strlist_addf(&l, "%s.%s", "fabrikam", "example") == 0,
       "add and addf");
    for (int i = 0; i < 20; i++)
        ds_strlist_addf(&l, "x%d", i);
    ok(l.n == 22 && l.cap >= 22, "22 strings held");
    is_str(l.v[1], "fabrikam.example", "addf formats");
    ok(ds_strlist_has(&l, "x19") && !ds_strlist_has(&l, "x20"), "has");
    ok(ds_strlist_has_nocase(&l, "woodgrovebank.COM") &&
           !ds_strlist_has(&l, "woodgrovebank.com"),
       "has_nocase ignores case, has does not");
    ds_strlist_free(&l);
    ok(l.n == 0 && l.v == NULL && l.cap == 0, "free empties the list");

    const char *names[] = {"a", "b"};
    struct ds_strlist borrowed = {.n = 2, .v = names};
    ok(ds_strlist_has(&borrowed, "b"), "a list over strings owned elsewhere");
}

int main(void)
{
    test_grow();
    test_strlist();
    return tap_done();
}
