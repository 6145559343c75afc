/*
 * mwire.h - the MTA side of the milter wire protocol (version 6) for the
 * benchmark driver: socket specs, connecting, building packets into an
 * output buffer that is flushed in one write (as Postfix's VSTREAM does),
 * and reading reply packets.
 *
 * Must not: know about scenarios or expectations (milterload.c), or use
 * libmilter (the driver must not share code with what it measures).
 */
#ifndef DS_BENCH_MWIRE_H
#define DS_BENCH_MWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Protocol constants (libmilter's mfdef.h values, spelled out here so the
 * driver does not depend on libmilter headers). */
enum {
    MW_VERSION = 6,
    /* actions (SMFIF_*) */
    MW_ADDHDRS = 0x001,
    MW_CHGBODY = 0x002,
    MW_ADDRCPT = 0x004,
    MW_DELRCPT = 0x008,
    MW_CHGHDRS = 0x010,
    MW_QUARANTINE = 0x020,
    MW_CHGFROM = 0x040,
    MW_ADDRCPT_PAR = 0x080,
    MW_SETSYMLIST = 0x100,
    MW_ALL_ACTIONS = 0x1ff,
    /* protocol flags (SMFIP_*) */
    MW_NOCONNECT = 0x1,
    MW_NOHELO = 0x2,
    MW_NOMAIL = 0x4,
    MW_NORCPT = 0x8,
    MW_NOBODY = 0x10,
    MW_NOHDRS = 0x20,
    MW_NOEOH = 0x40,
    MW_NR_HDR = 0x80,
    MW_NOUNKNOWN = 0x100,
    MW_NODATA = 0x200,
    MW_SKIP = 0x400,
    MW_RCPT_REJ = 0x800,
    MW_NR_CONN = 0x1000,
    MW_NR_HELO = 0x2000,
    MW_NR_MAIL = 0x4000,
    MW_NR_RCPT = 0x8000,
    MW_NR_DATA = 0x10000,
    MW_NR_UNKN = 0x20000,
    MW_NR_EOH = 0x40000,
    MW_NR_BODY = 0x80000,
    MW_HDR_LEADSPC = 0x100000,
    /* What Postfix (milter_protocol = 6) offers: every step can be
     * negotiated away, every reply declined, plus SKIP, RCPT_REJ and
     * HDR_LEADSPC (Postfix milter8.c, MILTER8_V6_PROTO_MASK). */
    MW_POSTFIX_V6_PROTO = 0x1fffff,
};

/* Macro stages as numbered in the OPTNEG reply (SMFIM_*). */
enum mw_stage {
    MW_M_CONNECT = 0,
    MW_M_HELO,
    MW_M_ENVFROM,
    MW_M_ENVRCPT,
    MW_M_DATA,
    MW_M_EOM,
    MW_M_EOH,
    MW_M_COUNT
};

/* Where the milter listens, resolved once. */
struct mw_addr {
    struct sockaddr_storage sa;
    socklen_t salen;
    bool inet;
    char spec[300];
};

/* Parse unix:/path, local:/path, inet:PORT@HOST or inet6:PORT@HOST.
 * Returns 0, or -1 with a message in err. */
int mw_addr_parse(const char *spec, struct mw_addr *a, char *err,
                  size_t errsize);

struct mw_conn {
    int fd;
    unsigned char *out; /* pending packets, written by mw_flush */
    size_t outlen, outcap;
    unsigned char *in; /* received bytes; [inoff, inlen) not yet parsed */
    size_t inoff, inlen, incap;
    bool oom;
    bool trace; /* print every packet to stderr (debugging) */
};

/* A reply packet; data points into the connection's buffer and stays valid
 * until the next mw_read. */
struct mw_packet {
    char cmd;
    const unsigned char *data;
    size_t len;
};

/* Initialise buffers (once per worker; reused across sessions). */
void mw_conn_init(struct mw_conn *c);
void mw_conn_free(struct mw_conn *c);

/* Connect (TCP_NODELAY on inet) with send/receive timeouts in ms.
 * Returns 0 or -1 with err filled. */
int mw_connect(struct mw_conn *c, const struct mw_addr *a, int timeout_ms,
               char *err, size_t errsize);
/* Close the socket (buffers are kept for the next session). */
void mw_close(struct mw_conn *c);

/* Packet building: mw_begin starts a packet with command cmd and returns
 * its offset, the mw_add_* append data, mw_end fills in the length. */
size_t mw_begin(struct mw_conn *c, char cmd);
void mw_add(struct mw_conn *c, const void *p, size_t n);
void mw_add_str(struct mw_conn *c, const char *s); /* with its NUL */
void mw_add_u32(struct mw_conn *c, uint32_t v);
void mw_add_u16(struct mw_conn *c, uint16_t v);
void mw_end(struct mw_conn *c, size_t off);

/* Write everything pending. Returns 0 or -1 with err filled. */
int mw_flush(struct mw_conn *c, char *err, size_t errsize);
/* Flush, then read the next packet. Returns 1 with *p set, 0 on a clean
 * end of file before any byte of a packet, -1 on error (err filled). */
int mw_read(struct mw_conn *c, struct mw_packet *p, char *err, size_t errsize);
/* After QUIT: flush and wait for the milter to close its end (so the
 * milter, not the driver, holds TIME_WAIT on TCP). Returns 0 or -1. */
int mw_wait_close(struct mw_conn *c, char *err, size_t errsize);

/* Packet data helpers: read a NUL-terminated string or a 32-bit integer at
 * *off, advancing it. Return -1 when the data is too short. */
int mw_get_str(const struct mw_packet *p, size_t *off, const char **s);
int mw_get_u32(const struct mw_packet *p, size_t *off, uint32_t *v);

#endif
