# postfix.sh - private Postfix instances on loopback for the end-to-end
# tests, with domsec-milter attached. Sourced by t/e2e/*.test.
#
# Every instance lives in its own directory and has its own ports, queue,
# logs, mailbox and milter, so two of them (Contoso and Woodgrove) can run
# side by side:
#
#   pf_free_port                     print a free TCP port on 127.0.0.1
#   pf_init DIR NAME PORT CAFILE KEY CERT [DAEMON_NAME]
#                                    write DIR/etc/{main,master}.cf: one
#                                    smtpd on 127.0.0.1:PORT asking for a
#                                    client certificate (CAFILE: the
#                                    partner CAs), milter at
#                                    DIR/milter/milter.sock, mail for
#                                    NAME.test delivered to DIR/mail/inbox
#   pf_base DIR NAME DOMAINS         the same base without listeners, TLS
#                                    or milter (mail for DOMAINS, a space-
#                                    separated list, delivered to
#                                    DIR/mail/inbox; logs, queue): a
#                                    MAIL_CONFIG for postmap before the rest
#   pf_add_rendered DIR RENDER_DIR   append the listeners, transports,
#                                    milter and maps from `domsec-policy
#                                    render postfix --output RENDER_DIR`
#   pf_init_rendered DIR NAME DOMAINS RENDER_DIR
#                                    both
#   pf_check_clean DIR RENDER_DIR    a fresh base in DIR with the rendered
#                                    maps built and main.cf/master.cf lines
#                                    appended; prints what `postfix check`
#                                    and `postconf -n -M -P` say (nothing
#                                    when clean); non-zero when check fails
#   pf_glue_nexthop RENDER_DIR DOMAIN NEXTHOP
#                                    loopback glue: route DOMAIN to NEXTHOP
#                                    ("[127.0.0.1]:PORT") through the
#                                    transport render gave it (else the
#                                    default_transport), and give NEXTHOP
#                                    the TLS policy render gave DOMAIN
#   pf_postmap DIR RENDER_DIR        postmap the rendered maps again
#   pf_debian DIR NAME DOMAINS PORT SUBMISSION_PORT KEY CERT
#                                    Debian's stock main.cf and master.cf
#                                    for an "Internet Site" (chrooted
#                                    listeners and all), made private
#   pf_start DIR / pf_stop DIR       postfix -c DIR/etc start / stop
#   pf_milter_start DIR CONFIG [SOCKET]
#                                    domsec-milter -f on DIR's socket (or
#                                    SOCKET), as user nobody; pid in
#                                    DIR/milter/pid
#   pf_milter_stop DIR               SIGTERM by pid, wait
#   pf_delivered DIR                 how many messages are in the mailbox
#   pf_wait_delivered DIR N          wait (10 s) until N are there
#   pf_message DIR PATTERN           the delivered file containing PATTERN
#   pf_queue_empty DIR               true when nothing is queued
#
# Needs root (Postfix's master runs as root; smtpd as user postfix, which
# must reach the milter's socket: DIR is made world-searchable).
# Must not: touch the system's Postfix (/etc/postfix is only read for
# postfix-files), or stop anything it did not start.

PF_MILTER=${PF_MILTER:-${top_builddir:-.}/milter/domsec-milter}

pf_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# pf_base DIR NAME DOMAINS: the directories, and main.cf / master.cf
# without listeners, TLS or milter settings.
pf_base() {
    local dir=$1 name=$2 domains=$3
    mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/log" "$dir/mail" \
        "$dir/milter" || return 1
    chmod 755 "$dir" "$dir/etc" "$dir/log" "$dir/milter"
    chown postfix "$dir/mail" "$dir/data"
    chown nobody "$dir/milter"
    cat >"$dir/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
multi_instance_name = postfix-$name
syslog_name = postfix-$name
maillog_file = $dir/log/maillog
maillog_file_prefixes = $dir/log
myhostname = mx.$name.test
mydomain = $name.test
myorigin = \$myhostname
mydestination =
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
smtputf8_enable = no
virtual_mailbox_domains = $domains
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_minimum_uid = 1
milter_connect_timeout = 5s
default_process_limit = 10
CF
    cat >"$dir/etc/master.cf" <<CF
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CF
}

_pf_check() { # DIR
    postfix -c "$1/etc" check >"$1/log/check.out" 2>&1 || {
        cat "$1/log/check.out" >&2
        return 1
    }
}

pf_init() { # DIR NAME PORT CAFILE KEY CERT [DAEMON_NAME]
    local dir=$1 name=$2 port=$3 cafile=$4 key=$5 cert=$6 daemon=${7:-Inet}
    pf_base "$dir" "$name" "$name.test" || return 1
    cat >>"$dir/etc/main.cf" <<CF
smtpd_tls_security_level = may
smtpd_tls_chain_files = $key, $cert
smtpd_tls_loglevel = 1
smtpd_milters = unix:$dir/milter/milter.sock
milter_default_action = tempfail
milter_protocol = 6
CF
    cat >>"$dir/etc/master.cf" <<CF
127.0.0.1:$port inet n - n - - smtpd
  -o milter_macro_daemon_name=$daemon
  -o smtpd_tls_ask_ccert=yes
  -o smtpd_tls_CAfile=$cafile
CF
    _pf_check "$dir"
}

pf_add_rendered() { # DIR RENDER_DIR
    cat "$2/main.cf" >>"$1/etc/main.cf"
    cat "$2/master.cf" >>"$1/etc/master.cf"
    _pf_check "$1"
}

pf_init_rendered() { # DIR NAME DOMAINS RENDER_DIR
    pf_base "$1" "$2" "$3" && pf_add_rendered "$1" "$4"
}

pf_check_clean() { # DIR RENDER_DIR
    local dir=$1 r=$2 m
    rm -rf "$dir"
    pf_base "$dir" check "check.test" || return 1
    for m in transport tls_policy; do
        [ ! -f "$r/$m" ] || postmap -c "$dir/etc" "hash:$r/$m" || return 1
    done
    [ ! -f "$r/sni" ] || postmap -F -c "$dir/etc" "hash:$r/sni" || return 1
    cat "$r/main.cf" >>"$dir/etc/main.cf"
    cat "$r/master.cf" >>"$dir/etc/master.cf"
    postfix -c "$dir/etc" check 2>&1 || return 1
    postconf -c "$dir/etc" -n 2>&1 >/dev/null
    postconf -c "$dir/etc" -M 2>&1 >/dev/null
    postconf -c "$dir/etc" -P 2>&1 >/dev/null
}

pf_glue_nexthop() { # RENDER_DIR DOMAIN NEXTHOP
    local r=$1 d=$2 hop=$3 t
    t=$(awk -v d="$d" '$1 == d { print $2 }' "$r/transport")
    [ -n "$t" ] || t=$(sed -n 's/^default_transport = //p' "$r/main.cf"):
    awk -v d="$d" '$1 != d' "$r/transport" >"$r/transport.new"
    echo "$d ${t%%:*}:$hop" >>"$r/transport.new"
    mv "$r/transport.new" "$r/transport"
    awk -v d="$d" -v hop="$hop" '$1 == d { $1 = hop; print }' \
        "$r/tls_policy" >>"$r/tls_policy"
}

pf_postmap() { # DIR RENDER_DIR
    local m
    for m in transport tls_policy; do
        postmap -c "$1/etc" "hash:$2/$m" || return 1
    done
    [ ! -f "$2/sni" ] || postmap -F -c "$1/etc" "hash:$2/sni"
}

pf_start() { # DIR
    postfix -c "$1/etc" start >"$1/log/start.out" 2>&1 || {
        cat "$1/log/start.out" >&2
        return 1
    }
    local i=0
    while [ ! -s "$1/queue/pid/master.pid" ] && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    [ -s "$1/queue/pid/master.pid" ]
}

pf_stop() { # DIR
    [ -s "$1/queue/pid/master.pid" ] || return 0
    postfix -c "$1/etc" stop >/dev/null 2>&1
    local pid i=0
    pid=$(tr -d ' ' <"$1/queue/pid/master.pid")
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    return 0
}

pf_milter_start() { # DIR CONFIG [SOCKET]
    local dir=$1 sock=${3:-$1/milter/milter.sock}
    mkdir -p "$dir/milter"
    "$PF_MILTER" -f -c "$2" -s "unix:$sock" \
        -P "$dir/milter/pid" >>"$dir/log/milter.log" 2>&1 </dev/null &
    PF_MILTER_PID=$!
    local i=0
    while [ ! -S "$sock" ] && [ $i -lt 100 ]; do
        kill -0 "$PF_MILTER_PID" 2>/dev/null || return 1
        sleep 0.05
        i=$((i + 1))
    done
    [ -S "$sock" ]
}

pf_milter_stop() { # DIR
    local pid
    [ -s "$1/milter/pid" ] || return 0
    pid=$(cat "$1/milter/pid")
    kill -TERM "$pid" 2>/dev/null || return 0
    local i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    return 0
}

pf_delivered() { # DIR
    find "$1/mail/inbox/new" -type f 2>/dev/null | wc -l
}

pf_wait_delivered() { # DIR N
    local i=0
    while [ "$(pf_delivered "$1")" -lt "$2" ] && [ $i -lt 200 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    [ "$(pf_delivered "$1")" -ge "$2" ]
}

pf_message() { # DIR PATTERN
    grep -l -F -- "$2" "$1"/mail/inbox/new/* 2>/dev/null | head -1
}

pf_queue_empty() { # DIR
    [ -z "$(find "$1/queue/incoming" "$1/queue/active" "$1/queue/deferred" \
        "$1/queue/hold" "$1/queue/maildrop" -type f 2>/dev/null)" ]
}

# pf_debian DIR NAME DOMAINS PORT SUBMISSION_PORT KEY CERT
#     main.cf and master.cf as Debian's postfix package writes them for an
#     "Internet Site" (main.cf.debian + main.cf.tls + what its postinst
#     sets with postconf -e; master.cf.dist with its chrooted listeners),
#     then only what a private instance on loopback needs: its own
#     directories and logs, 127.0.0.1, PORT for the stock "smtp inet"
#     listener (port 25), the stock submission listener enabled on
#     SUBMISSION_PORT (still chrooted) with TLS required, the server
#     certificate KEY/CERT instead of the snakeoil one, and mail for
#     DOMAINS delivered to DIR/mail/inbox. The queue directory is set up
#     for chrooted daemons by Debian's own configure-instance.sh.
pf_debian() {
    local dir=$1 name=$2 domains=$3 port=$4 sub=$5 key=$6 cert=$7
    local share=/usr/share/postfix
    mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/log" "$dir/mail" ||
        return 1
    chmod 755 "$dir" "$dir/etc" "$dir/log"
    chown postfix "$dir/mail" "$dir/data"
    cp "$share/main.cf.debian" "$dir/etc/main.cf" &&
        cat "$share/main.cf.tls" >>"$dir/etc/main.cf" &&
        cp "$share/master.cf.dist" "$dir/etc/master.cf" || return 1
    # what the postinst sets for an Internet Site, in its order
    postconf -c "$dir/etc" -e \
        "smtpd_relay_restrictions=permit_mynetworks permit_sasl_authenticated defer_unauth_destination" \
        "myhostname=mx.$name.test" "alias_maps=hash:/etc/aliases" \
        "alias_database=hash:/etc/aliases" "myorigin=/etc/mailname" \
        "mydestination=\$myhostname, $name.test, localhost.localdomain, , localhost" \
        "relayhost=" \
        "mynetworks=127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128" \
        "mailbox_size_limit=0" "recipient_delimiter=+" \
        "inet_interfaces=all" "inet_protocols=all" || return 1
    # a private instance on loopback
    postconf -c "$dir/etc" -e "queue_directory=$dir/queue" \
        "data_directory=$dir/data" "multi_instance_name=postfix-$name" \
        "syslog_name=postfix-$name" "maillog_file=$dir/log/maillog" \
        "maillog_file_prefixes=$dir/log" "inet_interfaces=127.0.0.1" \
        "inet_protocols=ipv4" "myorigin=\$myhostname" "mydestination=" \
        "alias_maps=" "alias_database=" "smtpd_tls_cert_file=$cert" \
        "smtpd_tls_key_file=$key" "virtual_mailbox_domains=$domains" \
        "virtual_mailbox_base=$dir/mail" "virtual_mailbox_maps=static:inbox/" \
        "virtual_uid_maps=static:$(id -u postfix)" \
        "virtual_gid_maps=static:$(id -g postfix)" "virtual_minimum_uid=1" \
        "milter_connect_timeout=5s" "default_process_limit=10" || return 1
    sed -i -e "s/^smtp      inet  n       -       y       -       -       smtpd\$/$port      inet  n       -       y       -       -       smtpd/" \
        -e "s/^#submission inet n       -       y       -       -       smtpd\$/$sub inet n       -       y       -       -       smtpd/" \
        -e '/^#  -o syslog_name=postfix\/submission$/s/^#//' \
        -e '/^#  -o smtpd_tls_security_level=encrypt$/s/^#//' \
        "$dir/etc/master.cf" || return 1
    # the submission block's own milter_macro_daemon_name (the first one)
    sed -i '0,/^#  -o milter_macro_daemon_name=ORIGINATING$/s//  -o milter_macro_daemon_name=ORIGINATING/' \
        "$dir/etc/master.cf"
    MAIL_CONFIG=$dir/etc sh /usr/lib/postfix/configure-instance.sh - \
        >"$dir/log/configure-instance.out" 2>&1 || {
        cat "$dir/log/configure-instance.out" >&2
        return 1
    }
    _pf_check "$dir"
}
