/*
 * cfgload - how long loading the configuration takes, with the function
 * every domsec-milter reload runs (ds_config_load, policy/config.c).
 *
 *   cfgload [-r REPEATS] [-n EXPECTED] FILE
 *
 * Loads FILE REPEATS times (default 1), prints the best time and the size
 * of tls_receive_domain_secure_list, and a "result cfgload ..." line.
 * Exits 1 when the file does not load or (with -n) the list does not hold
 * EXPECTED names, 64 on usage. run.sh writes FILE with 10^6 domains.
 *
 * Must not: measure anything but the load (no milter, no sockets).
 */
#include "dsconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int repeats = 1, ch;
    long expected = -1;
    while ((ch = getopt(argc, argv, "r:n:h")) != -1) {
        switch (ch) {
        case 'r':
            repeats = atoi(optarg);
            break;
        case 'n':
            expected = atol(optarg);
            break;
        default:
            fprintf(ch == 'h' ? stdout : stderr,
                    "usage: cfgload [-r REPEATS] [-n EXPECTED] FILE\n");
            return ch == 'h' ? 0 : EX_USAGE;
        }
    }
    if (optind != argc - 1 || repeats < 1) {
        fprintf(stderr, "usage: cfgload [-r REPEATS] [-n EXPECTED] FILE\n");
        return EX_USAGE;
    }
    const char *file = argv[optind];
    double best = -1;
    size_t names = 0;
    for (int r = 0; r < repeats; r++) {
        struct ds_diag diag = {0};
        uint64_t t0 = now_ns();
        struct ds_config *cfg = ds_config_load(file, &diag);
        double s = (double)(now_ns() - t0) / 1e9;
        if (cfg == NULL) {
            ds_diag_print(&diag, stderr);
            ds_diag_free(&diag);
            printf("result cfgload file=%s status=FAILED\n", file);
            return 1;
        }
        names = cfg->receive_list.n;
        ds_config_free(cfg);
        ds_diag_free(&diag);
        if (best < 0 || s < best)
            best = s;
    }
    int bad = expected >= 0 && (long)names != expected;
    if (bad)
        fprintf(stderr,
                "cfgload: %zu names on the receive list, expected %ld\n", names,
                expected);
    printf("cfgload: %s: %zu receive-list domains loaded in %.3f s (best of "
           "%d)\n",
           file, names, best, repeats);
    printf("result cfgload domains=%zu seconds=%.3f status=%s\n", names, best,
           bad ? "FAILED" : "ok");
    return bad;
}
