/*
 * nullmilter - the baseline for domsec-milter's throughput: a libmilter
 * milter that accepts everything, negotiated like domsec-milter so the
 * two differ only in the work domsec does.
 *
 *   nullmilter -s SOCKET [-f] [-a] [-r] [-H]
 *     -s  unix:/path, inet:PORT@HOST or inet6:PORT@HOST
 *     -f  stay in the foreground (otherwise daemonise)
 *     -a  all steps: every callback, no SMFIP_NO* or SMFIP_NR_* flags, no
 *         macro list (the "null milter that takes every protocol step" of
 *         doc/mta-notes.md, "Negotiation")
 *     -r  broken on purpose: refuse every MAIL with 550 5.7.1
 *     -H  broken on purpose: insert a header at end of message
 * Stop it with SIGTERM (libmilter's own signal thread). An inet listening
 * socket gets TCP_NODELAY, as domsec-milter's must.
 *
 * Must not: do any work in a callback beyond what -r/-H ask for (it is the
 * floor domsec is compared with), or drift from domsec-milter's
 * negotiation: keep the table below in step with milter/.
 */
#include <errno.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

/*
 * ==== NEGOTIATION: keep in step with domsec-milter ====================
 * As domsec-milter negotiates (milter/callbacks.c, DS_SKIP_STEPS; compare
 * the actions= and pflags= that milterload prints for both): it notes
 * {daemon_name} at CONNECT without answering it (SMFIP_NR_CONN), decides
 * at MAIL (a reject with a reply), counts the headers it must delete
 * (replies declined, SMFIP_NR_HDR) and edits them at end of message.
 * HELO, RCPT, DATA, EOH, the body and unknown commands are not sent at
 * all. The macro lists replace Postfix's: the TLS macros are asked for at
 * MAIL (Postfix sends them only at HELO, and not at all when the client
 * skips EHLO after STARTTLS), with Sendmail's {verify}/{cn_*} too.
 */
#define NULL_ACTIONS                                                           \
    (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST)
#define NULL_PROTOCOL                                                          \
    (SMFIP_NOHELO | SMFIP_NORCPT | SMFIP_NODATA | SMFIP_NOEOH | SMFIP_NOBODY | \
     SMFIP_NOUNKNOWN | SMFIP_NR_HDR | SMFIP_NR_CONN)
static const struct {
    int stage;
    const char *macros;
} null_macros[] = {
    {SMFIM_CONNECT, "{daemon_name} v j _"},
    {SMFIM_ENVFROM,
     "i {mail_addr} {mail_host} {mail_mailer} {auth_type} {auth_authen} "
     "{auth_author} {auth_ssf} {tls_version} {cipher} {cipher_bits} "
     "{cert_subject} {cert_issuer} {verify} {cn_subject} {cn_issuer}"},
    {SMFIM_EOM, "i"},
};
/* Callbacks registered: connect, envfrom, header, eom, abort, close (see
 * `desc` below). A step whose reply is declined must answer
 * SMFIS_NOREPLY, or libmilter logs that the milter "lied". */
/* ====================================================================== */

static bool all_steps, reject_mail, add_header;

/* Answer for a step whose reply may have been declined. */
static sfsistat noreply(void)
{
    return all_steps ? SMFIS_CONTINUE : SMFIS_NOREPLY;
}

static sfsistat null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                               unsigned long f2, unsigned long f3,
                               unsigned long *pf0, unsigned long *pf1,
                               unsigned long *pf2, unsigned long *pf3)
{
    *pf0 = NULL_ACTIONS & f0;
    /* libmilter offers every NR flag (it fakes those the MTA lacks). */
    *pf1 = NULL_PROTOCOL & f1;
    *pf2 = *pf3 = 0;
    for (size_t i = 0; i < sizeof(null_macros) / sizeof(null_macros[0]); i++)
        if ((f0 & SMFIF_SETSYMLIST) &&
            smfi_setsymlist(ctx, null_macros[i].stage,
                            (char *)null_macros[i].macros) != MI_SUCCESS)
            return SMFIS_REJECT;
    return SMFIS_CONTINUE;
}

static sfsistat null_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
    return noreply();
}

static sfsistat null_helo(SMFICTX *ctx, char *name)
{
    return SMFIS_CONTINUE;
}

static sfsistat null_envfrom(SMFICTX *ctx, char **argv)
{
    if (reject_mail) {
        smfi_setreply(ctx, "550", "5.7.1", "nullmilter -r refuses all mail");
        return SMFIS_REJECT;
    }
    return SMFIS_CONTINUE;
}

static sfsistat null_envrcpt(SMFICTX *ctx, char **argv)
{
    return SMFIS_CONTINUE;
}

static sfsistat null_data(SMFICTX *ctx)
{
    return SMFIS_CONTINUE;
}

static sfsistat null_unknown(SMFICTX *ctx, const char *cmd)
{
    return SMFIS_CONTINUE;
}

static sfsistat null_header(SMFICTX *ctx, char *name, char *value)
{
    return noreply();
}

static sfsistat null_eoh(SMFICTX *ctx)
{
    return SMFIS_CONTINUE;
}

static sfsistat null_body(SMFICTX *ctx, unsigned char *p, size_t len)
{
    return SMFIS_CONTINUE;
}

static sfsistat null_eom(SMFICTX *ctx)
{
    if (add_header)
        smfi_insheader(ctx, 0, "X-Nullmilter", "-H adds this header");
    return SMFIS_CONTINUE;
}

static sfsistat null_abort(SMFICTX *ctx)
{
    return SMFIS_CONTINUE;
}

static sfsistat null_close(SMFICTX *ctx)
{
    return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
    .xxfi_name = "nullmilter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = NULL_ACTIONS,
    .xxfi_connect = null_connect,
    .xxfi_envfrom = null_envfrom,
    .xxfi_header = null_header,
    .xxfi_eom = null_eom,
    .xxfi_abort = null_abort,
    .xxfi_close = null_close,
    .xxfi_negotiate = null_negotiate,
};

/*
 * libmilter does not expose its listening socket: find it among our file
 * descriptors (a listening TCP socket) and turn Nagle off; accepted
 * sockets inherit TCP_NODELAY on Linux. Returns how many were set.
 */
static int nodelay_listeners(void)
{
    int n = 0;
    long max = sysconf(_SC_OPEN_MAX);
    for (int fd = 3; fd < (max > 0 && max < 4096 ? max : 4096); fd++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int on = 0, one = 1;
        socklen_t olen = sizeof(on);
        if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
            (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) ||
            getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen) < 0 || !on)
            continue;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
            n++;
    }
    return n;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: nullmilter -s SOCKET [-f] [-a] [-r] [-H]\n");
}

int main(int argc, char **argv)
{
    const char *spec = NULL;
    bool foreground = false;
    int ch;
    while ((ch = getopt(argc, argv, "s:farHh")) != -1) {
        switch (ch) {
        case 's':
            spec = optarg;
            break;
        case 'f':
            foreground = true;
            break;
        case 'a':
            all_steps = true;
            break;
        case 'r':
            reject_mail = true;
            break;
        case 'H':
            add_header = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (spec == NULL || optind != argc) {
        usage(stderr);
        return EX_USAGE;
    }
    if (all_steps) {
        /* Every callback; without xxfi_negotiate libmilter asks for every
         * step and every reply. */
        desc.xxfi_helo = null_helo;
        desc.xxfi_envrcpt = null_envrcpt;
        desc.xxfi_data = null_data;
        desc.xxfi_unknown = null_unknown;
        desc.xxfi_eoh = null_eoh;
        desc.xxfi_body = null_body;
        desc.xxfi_negotiate = NULL;
    }
    if (smfi_setconn((char *)spec) != MI_SUCCESS ||
        smfi_register(desc) != MI_SUCCESS) {
        fprintf(stderr, "nullmilter: cannot set up libmilter for %s\n", spec);
        return EX_OSERR;
    }
    if (smfi_opensocket(true) != MI_SUCCESS) {
        fprintf(stderr, "nullmilter: cannot listen on %s\n", spec);
        return EX_OSERR;
    }
    bool inet = strncmp(spec, "inet", 4) == 0;
    if (inet && nodelay_listeners() == 0) {
        fprintf(stderr, "nullmilter: cannot set TCP_NODELAY on %s\n", spec);
        return EX_OSERR;
    }
    if (!foreground && daemon(0, 0) < 0) {
        fprintf(stderr, "nullmilter: daemon: %s\n", strerror(errno));
        return EX_OSERR;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
