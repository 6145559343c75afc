#!/bin/sh
# prereq.sh - what `make check` needs before its first test: every tool the
# tests drive, each with the Debian package that brings it. Prints nothing
# and exits 0 when everything is there; otherwise ONE line naming every
# missing package and exits 1, so that a machine without them stops at once
# instead of failing or skipping dozens of tests (contrib/install-deps
# installs all of them).
#
# Environment: SWAKS, MILTERTEST, POSTFIX, OPENSSL (as configure found
# them; empty = look in PATH).
# Must not: install anything, or start anything but `swaks --support`.
PATH=$PATH:/usr/sbin:/sbin
missing=""
need() { # PACKAGE WHAT: add PACKAGE (once) when WHAT is missing
    case " $missing " in *" $1 "*) ;; *) missing="$missing $1" ;; esac
    what="$what${what:+, }$2"
}
tool() { # PACKAGE PROGRAM [CONFIGURED_PATH]
    if [ -n "${3:-}" ]; then
        [ -x "$3" ] || need "$1" "$2"
    else
        command -v "$2" >/dev/null 2>&1 || need "$1" "$2"
    fi
}
what=""

tool openssl openssl "${OPENSSL:-}"
tool postfix postfix "${POSTFIX:-}"
for p in postconf postmap postqueue postlog smtp-sink smtp-source; do
    tool postfix "$p"
done
tool miltertest miltertest "${MILTERTEST:-}"
tool swaks swaks "${SWAKS:-}"
tool python3 python3
tool jq jq
tool m4 m4
tool util-linux unshare
tool util-linux setpriv
tool apt apt-get
tool diffutils diff
tool libc-bin iconv
[ -f /usr/share/sendmail/cf/m4/cf.m4 ] || need sendmail-cf "Sendmail's m4 files"
[ -r /usr/share/postfix/main.cf.debian ] || need postfix "Debian's stock main.cf"

# swaks does STARTTLS only with Net::SSLeay (a Recommends of swaks).
sw=${SWAKS:-$(command -v swaks)}
if [ -n "$sw" ] && [ -x "$sw" ] &&
    ! "$sw" --support 2>&1 | grep -q '^=== TLS supported'; then
    need libnet-ssleay-perl "swaks's STARTTLS (Net::SSLeay)"
fi
# The Sendmail binary that t/e2e/sendmail.test unpacks from sendmail-bin
# (which cannot be installed beside postfix) links these libraries.
if command -v dpkg-query >/dev/null 2>&1; then
    for p in libwrap0 libldap-2.5-0; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
            grep -q '^install ok installed$' || need "$p" "$p (Sendmail binary)"
    done
fi
for u in nobody daemon; do
    id "$u" >/dev/null 2>&1 || need base-passwd "user $u"
done

[ -n "$missing" ] || exit 0
echo "make check: missing $what: apt-get install$missing (or contrib/install-deps)" >&2
exit 1
