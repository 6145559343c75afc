# sendmail.sh - a Sendmail binary for the tests, beside Postfix. Debian's
# sendmail-bin conflicts with postfix (both are the system MTA), so the
# package is downloaded once with `apt-get download` and unpacked with
# `dpkg -x` into the build tree (make clean removes it); it needs libwrap0
# from the system (contrib/install-deps installs it).
#
#   sm_unpack DIR     unpack sendmail-bin into DIR (once); sets SM_BIN and
#                     SM_MAKEMAP; returns 1 with the reason in SM_WHY
#   sm_mc FILE ...    an .mc for a private daemon (see below)
#   sm_run ARGS...    run the binary with a qualified host name of its own
#                     (unshare --uts): with an unqualified one Sendmail
#                     sleeps a minute at start ("My unqualified host name")
#   sm_exec ARGS...   the same in place of the calling (sub)shell: run it
#                     with & and $! is Sendmail's pid
#
# Must not: install anything, or touch /etc/mail.

sm_unpack() { # DIR
    local dir="$1" bin="$1/root/usr/libexec/sendmail"
    SM_BIN=$bin/sendmail
    SM_MAKEMAP=$bin/makemap
    if [ ! -x "$SM_BIN" ]; then
        command -v apt-get >/dev/null 2>&1 || {
            SM_WHY="no apt-get to download sendmail-bin"
            return 1
        }
        mkdir -p "$dir/deb" || return 1
        (cd "$dir/deb" && apt-get download sendmail-bin) \
            >"$dir/download.log" 2>&1 || {
            SM_WHY="apt-get download sendmail-bin failed (see $dir/download.log)"
            return 1
        }
        dpkg -x "$dir"/deb/sendmail-bin_*.deb "$dir/root" || {
            SM_WHY="dpkg -x failed"
            return 1
        }
    fi
    if ldd "$SM_BIN" 2>/dev/null | grep -q 'not found'; then
        SM_WHY="the sendmail binary misses $(ldd "$SM_BIN" | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' | tr '\n' ' ')(contrib/install-deps installs libwrap0)"
        return 1
    fi
    return 0
}

# sm_mc FILE RUNDIR FRAGMENT_DIR: an .mc that includes the rendered
# domsec.mc and access map, plus what a private daemon under RUNDIR needs
# (queue, pid file, no aliases, queue-only delivery so the messages stay
# in RUNDIR/queue to be read). Only these test lines are ours; everything
# about domsec comes from the fragment.
sm_mc() {
    local run=$2 frag=$3
    cat >"$1" <<MC
divert(-1)
include(\`/usr/share/sendmail/cf/m4/cf.m4')
divert(0)dnl
VERSIONID(\`domsec test')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.contoso.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`QUEUE_DIR', \`$run/queue')dnl
define(\`confPID_FILE', \`$run/sendmail.pid')dnl
define(\`STATUS_FILE', \`$run/statistics')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confCW_FILE', \`-o $run/local-host-names')dnl
define(\`confDELIVERY_MODE', \`queueonly')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confSERVICE_SWITCH_FILE', \`$run/service.switch')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`access_db', \`hash -T<TMPF> $frag/access')dnl
include(\`$frag/domsec.mc')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MC
    # host names from /etc/hosts only: no DNS on loopback
    printf 'hosts files\naliases files\n' >"$run/service.switch"
}

sm_run() {
    unshare --uts sh -c 'hostname mx.contoso.test && exec "$@"' sh "$SM_BIN" "$@"
}

sm_exec() {
    exec unshare --uts sh -c 'hostname mx.contoso.test && exec "$@"' sh \
        "$SM_BIN" "$@"
}
