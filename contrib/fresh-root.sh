# fresh-root.sh - a minimal Debian 12 root to try things in as on a freshly
# installed machine; sourced by contrib/fresh-check and
# contrib/package-check (as root). The root is made by mmdebstrap
# (Debian's package, installed when missing) with --variant=minbase; it
# gets the host's /etc/resolv.conf and /etc/hosts, and /proc, /dev and /sys
# mounted. Commands run in it by chroot, so they share the host's network
# (loopback included) and no init system runs there.
#
#   fr_create DIR     make DIR (absent or empty) such a root, mounted
#   fr_run DIR CMD... run CMD inside DIR as root, with a clean environment
#   fr_destroy DIR    stop what still runs with DIR (or a directory in it)
#                     as its root, by pid; unmount everything under DIR;
#                     then remove DIR (never while anything is mounted
#                     there). Callers run it from an EXIT trap.
#   fr_unmount DIR    the same without removing DIR (--keep)
#
# Environment: FRESH_MIRROR (default http://deb.debian.org/debian) and
# FRESH_SECURITY (default http://deb.debian.org/debian-security);
# FRESH_TAR=FILE keeps mmdebstrap's output as FILE (made on first use) and
# unpacks it for every root, so that several roots cost one mmdebstrap.
# Must not: touch anything outside DIR and FRESH_TAR, stop a process that
# does not run inside DIR, or remove DIR with a mount under it.

fr_say() { printf '%s\n' "$*" >&2; }

fr_mmdebstrap() { # TARGET (a directory or a .tar file)
    if ! command -v mmdebstrap >/dev/null 2>&1; then
        fr_say "fresh-root: installing mmdebstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends mmdebstrap >/dev/null ||
            { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq --no-install-recommends mmdebstrap \
                >/dev/null; } || return 1
    fi
    local m=${FRESH_MIRROR:-http://deb.debian.org/debian}
    local s=${FRESH_SECURITY:-http://deb.debian.org/debian-security}
    mmdebstrap --quiet --variant=minbase --mode=root bookworm "$1" \
        "deb $m bookworm main" "deb $m bookworm-updates main" \
        "deb $s bookworm-security main" </dev/null
}

fr_create() { # DIR
    case $1 in /*) ;; *)
        fr_say "fresh-root: $1: an absolute path please"
        return 1
        ;;
    esac
    if [ -n "${FRESH_TAR:-}" ]; then
        if [ ! -s "$FRESH_TAR" ]; then
            fr_mmdebstrap "$FRESH_TAR.part.tar" &&
                mv "$FRESH_TAR.part.tar" "$FRESH_TAR" || {
                rm -f "$FRESH_TAR.part.tar"
                return 1
            }
        fi
        mkdir -p "$1" && tar -C "$1" --numeric-owner -xpf "$FRESH_TAR" ||
            return 1
    else
        fr_mmdebstrap "$1" || return 1
    fi
    cp /etc/resolv.conf /etc/hosts "$1/etc/" || return 1
    mount -t proc proc "$1/proc" &&
        mount --rbind /dev "$1/dev" && mount --make-rslave "$1/dev" &&
        mount -t sysfs sysfs "$1/sys"
}

fr_run() { # DIR CMD...
    local d=$1
    shift
    chroot "$d" /usr/bin/env -i HOME=/root \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        "$@"
}

fr_mounts() { # DIR: the mount points under DIR, deepest first
    awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' \
        /proc/mounts | sort -r
}

fr_stop_inside() { # DIR: every process whose root is DIR or under it
    local sig pids p #   (Postfix's chrooted daemons), TERM then KILL
    for sig in TERM TERM TERM KILL; do
        pids=""
        for p in /proc/[0-9]*; do
            case $(readlink "$p/root" 2>/dev/null) in
            "$1" | "$1"/*) pids="$pids ${p#/proc/}" ;;
            esac
        done
        [ -n "$pids" ] || return 0
        # shellcheck disable=SC2086
        kill -s "$sig" $pids 2>/dev/null
        sleep 1
    done
}

fr_unmount() { # DIR
    [ -d "$1" ] || return 0
    local i=0 m
    fr_stop_inside "$1"
    while [ -n "$(fr_mounts "$1")" ] && [ $i -lt 5 ]; do
        for m in $(fr_mounts "$1"); do
            umount "$m" 2>/dev/null || [ $i -lt 3 ] || umount -l "$m"
        done
        i=$((i + 1))
    done
    if [ -n "$(fr_mounts "$1")" ]; then
        fr_say "fresh-root: still mounted under $1 (not removed):" $(fr_mounts "$1")
        return 1
    fi
}

fr_destroy() { # DIR
    [ -d "$1" ] || return 0
    fr_unmount "$1" || return 1
    rm -rf --one-file-system "$1"
}
