/*
 * fuzz.h - one way to write a fuzz target, two ways to build it.
 *
 * A target is one file, t/fuzz/fuzz-NAME.c, ending in
 *     DS_FUZZ_TARGET("NAME", init, one)
 * where one(data, size) feeds one input to the code under test and checks
 * what came out (DS_FUZZ_CHECK), and init (or NULL) runs once first.
 *  - `make fuzz` builds it with clang -fsanitize=fuzzer,address,undefined
 *    and -DDS_FUZZ_LIBFUZZER: the macro defines libFuzzer's entry points,
 *    and t/fuzz/run.sh fuzzes it (corpus in t/fuzz/corpus/NAME).
 *  - `make check` links every target into t/fuzz/replay, any compiler, no
 *    libFuzzer: the macro registers the target by name, and replay feeds
 *    it every file of t/fuzz/corpus/NAME (the seeds and every input that
 *    once crashed it).
 * Adding a target: the file, its name in fuzz_target_sources in
 * Makefile.am, and a seed corpus directory.
 *
 * Must not: keep state between inputs beyond what init builds, or let an
 * input leak memory (LeakSanitizer counts it as a crash).
 */
#ifndef DS_FUZZ_H
#define DS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*ds_fuzz_init_fn)(void);
typedef int (*ds_fuzz_one_fn)(const uint8_t *data, size_t size);

struct ds_fuzz_target {
    const char *name;
    ds_fuzz_init_fn init;
    ds_fuzz_one_fn one;
    struct ds_fuzz_target *next;
};

/* Every registered target (replay builds), in registration order. */
extern struct ds_fuzz_target *ds_fuzz_targets;
void ds_fuzz_register(struct ds_fuzz_target *t);

#ifdef DS_FUZZ_LIBFUZZER
#define DS_FUZZ_TARGET(NAME, INIT, ONE)                                        \
    int LLVMFuzzerInitialize(int *argc, char ***argv);                         \
    int LLVMFuzzerInitialize(int *argc, char ***argv)                          \
    {                                                                          \
        (void)argc;                                                            \
        (void)argv;                                                            \
        ds_fuzz_init_fn f = (INIT);                                            \
        return f != NULL ? f() : 0;                                            \
    }                                                                          \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);              \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)               \
    {                                                                          \
        return (ONE)(data, size);                                              \
    }
#else
#define DS_FUZZ_TARGET(NAME, INIT, ONE)                                        \
    static struct ds_fuzz_target ds_fuzz_this = {NAME, INIT, ONE, NULL};       \
    __attribute__((constructor)) static void ds_fuzz_register_this(void)       \
    {                                                                          \
        ds_fuzz_register(&ds_fuzz_this);                                       \
    }
#endif

/* An invariant the code under test broke: say which, then abort (the
 * fuzzer saves the input; replay dies with the message). */
#define DS_FUZZ_CHECK(cond, ...)                                               \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__,         \
                    __LINE__, #cond);                                          \
            fprintf(stderr, __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                             \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* A NUL-terminated copy of data[0..size) in a block of exactly size + 1
 * bytes (so AddressSanitizer sees any read past it). Free it. */
char *ds_fuzz_str(const uint8_t *data, size_t size);

/*
 * Split data at every `sep` into at most max heap strings (each its own
 * exact-size block); fields past the input are NULL. Returns how many were
 * present. Free with ds_fuzz_fields_free.
 */
size_t ds_fuzz_fields(const uint8_t *data, size_t size, char sep, char **out,
                      size_t max);
void ds_fuzz_fields_free(char **v, size_t n);

/*
 * Write data to a file of its own (in a private directory made on first
 * use, removed at exit) and return its path (static). Returns NULL when
 * the file cannot be written.
 */
const char *ds_fuzz_file(const uint8_t *data, size_t size);

#endif
