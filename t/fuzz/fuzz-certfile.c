/*
 * fuzz-certfile.c - the certificate file check every milter (re)load runs
 * (policy/certfile.c) on arbitrary bytes: PEM framing, base64, DER.
 *
 * Input: the file's bytes.
 * Checks: the answer is a count of certificates or -1 with a reason, and
 * the reason is one printable line.
 * (fuzz-certload does the same for domsec-policy's store, keys included.)
 */
#include "dsconfig.h"

#include <string.h>

#include "certfile.h"
#include "fuzz.h"

static int one(const uint8_t *data, size_t size)
{
    const char *path = ds_fuzz_file(data, size);
    if (path == NULL)
        return 0;
    char err[512];
    int n = ds_certfile_check(path, err, sizeof(err));
    DS_FUZZ_CHECK(n == -1 || n >= 1, "returned %d", n);
    if (n < 0) {
        DS_FUZZ_CHECK(err[0] != '\0', "refused without a reason");
        for (const char *p = err; *p; p++)
            DS_FUZZ_CHECK(*p >= 0x20 && *p <= 0x7e, "reason: octet 0x%02x",
                          (unsigned char)*p);
    }
    return 0;
}

DS_FUZZ_TARGET("certfile", NULL, one)
