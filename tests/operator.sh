#!/bin/bash
# The README's setup, followed as an operator does on Debian 12: the
# commands of its blocks marked "operator-test" run as written, with the
# permissions they give.  Only paths move: the install goes under $root by
# DESTDIR, and /etc/postfix, /etc/redis, /run/redis, /var/lib/... and
# /etc/systemd/system under $sys, in the commands and in the installed
# files alike.  What systemd would do (systemctl) the test does as the
# units say: Debian's redis-server.service (user and group redis, umask
# 007, its runtime directory) and the shipped dmarc-consume.service (its
# user, group, supplementary groups, state directory and umask).  Postfix
# is a private instance (MAIL_CONFIG), Redis listens on no TCP port so
# that it never meets the machine's own, and nothing is world-writable.
# TAP.
. "${srcdir:-.}/tests/lib/common.sh"
server_test "Postfix, Redis and dmarc-consume set up as the README says"
sanitized_skip "address thread" "the README's set-up is followed in the plain build; the code it runs is sanitized in tests/postfix.sh, consume.sh and sinks.sh"
. "$top_srcdir/tests/lib/postfix.sh"

[ "$(id -u)" -eq 0 ] || skip_all "the README's commands are run as root"
for c in postfix redis-server setpriv useradd; do
	command -v "$c" > /dev/null || skip_all "$c is not installed (tests/tools/install-deps installs it)"
done
getent group redis > /dev/null || skip_all "no group redis (the redis-server package makes it)"
[ -f /etc/redis/redis.conf ] || skip_all "no /etc/redis/redis.conf to copy"
[ -f /usr/share/postfix/master.cf.dist ] || skip_all "no /usr/share/postfix/master.cf.dist"
for b in redis postfix try consume acl; do
	[ -n "$(readme_block "$b")" ] || { echo "Bail out! the README has no operator-test block '$b'"; exit 1; }
done
export DEBIAN_FRONTEND=noninteractive

echo "1..27"
lock_users
chmod 755 "$work"
root=$work/root sys=$work/sys pf=$work/postfix
mkdir -p "$sys"
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
examples=$root$prefix/share/doc/dmarc-pipe/examples
export MAIL_CONFIG=$pf/etc

# Where this machine's paths are in the test.
relocate() {
	sed -e "s|/usr/local|$root$prefix|g" -e "s|/etc/postfix|$pf/etc|g" -e "s|/etc/redis|$sys/etc/redis|g" \
		-e "s|/run/redis|$sys/run/redis|g" -e "s|/var/lib/redis|$sys/var/lib/redis|g" \
		-e "s|/var/log/redis|$sys/var/log/redis|g" -e "s|/var/lib/dmarc-consume|$sys/var/lib/dmarc-consume|g" \
		-e "s|/etc/systemd/system|$sys/etc/systemd/system|g" "$@"
}
sock=$sys/run/redis/redis-server.sock

# --- what systemd does for the two services ---------------------------------
# stop_service PID: SIGTERM, as systemd stops a service, and wait until it is gone.
stop_service() {
	[ -n "$1" ] && kill "$1" 2> /dev/null && wait "$1" 2> /dev/null
	return 0
}
redis_pid=
redis_service_stop() { stop_service "$redis_pid"; redis_pid=; }
# Debian's redis-server.service: User=redis Group=redis UMask=007, RuntimeDirectory=redis (2755).
redis_service_restart() {
	redis_service_stop
	install -d -o redis -g redis -m 2755 "$sys/run/redis"
	setpriv --reuid=redis --regid=redis --init-groups -- sh -c 'umask 007; exec redis-server "$1" --supervised no --daemonize no --port 0' \
		sh "$sys/etc/redis/redis.conf" &
	redis_pid=$!
	bg_pids="$bg_pids $redis_pid"
	wait_for 20 admin PING > /dev/null || { echo "# redis-server did not start: $(tail -3 "$sys/var/log/redis/redis-server.log")"; return 1; }
}
admin() {
	if [ -n "$admin_password" ]; then REDISCLI_AUTH=$admin_password redis-cli -s "$sock" "$@" 2> /dev/null
	else redis-cli -s "$sock" "$@" 2> /dev/null; fi
}
admin_password=

# The shipped dmarc-consume.service, as systemd runs it.
unit=$sys/etc/systemd/system/dmarc-consume.service
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -1; }
consume_pid=
consume_service_stop() { stop_service "$consume_pid"; consume_pid=; }
consume_service_restart() {
	local user group groups state
	consume_service_stop
	user=$(unit_value User) group=$(unit_value Group) groups=$(unit_value SupplementaryGroups | tr ' ' ',')
	state=$(unit_value StateDirectory)
	install -d -o "$user" -g "$group" -m "$(unit_value StateDirectoryMode)" "$sys/var/lib/$state"
	if [ -n "$groups" ]; then groups=--groups=$groups; else groups=--clear-groups; fi
	# Type=notify: systemd listens on a socket the service may write to, named in NOTIFY_SOCKET.
	if [ "$(unit_value Type)" = notify ] && [ ! -S "$work/notify.sock" ]; then
		notify_listen "$work/notify.sock" "$user" || echo "# the notify socket did not come up"
	fi
	NOTIFY_SOCKET=$work/notify.sock \
	setpriv --reuid="$user" --regid="$group" "$groups" -- sh -c 'umask "$1"; shift; exec "$@"' sh "$(unit_value UMask)" $(unit_value ExecStart) \
		2> "$work/consume.err" &
	consume_pid=$!
	bg_pids="$bg_pids $consume_pid"
}

# run_block NAME: the README block, relocated, with systemctl done as above;
# an account that exists already is not created again (useradd would fail)
# and not removed after; one the block creates is removed on the way out.
existed() { id "$1" > /dev/null 2>&1; }
run_block() {
	local u had=
	for u in $(readme_block "$1" | sed -n 's/^useradd .* \([a-z-]*\)$/\1/p'); do
		if existed "$u"; then
			had="$had $u"
			echo "# the account $u exists already: the README's useradd for it is not run"
		fi
	done
	readme_block "$1" | relocate | while IFS= read -r line; do
		case "$line" in useradd\ *) for u in $had; do [ "${line##* }" = "$u" ] && continue 2; done ;; esac
		printf '%s\n' "$line"
	done | sed \
		-e 's/^systemctl restart redis-server$/echo redis_service_restart >> "$actions"/' \
		-e 's/^systemctl daemon-reload && systemctl enable --now dmarc-consume$/echo consume_service_restart >> "$actions"/' \
		-e 's/^systemctl daemon-reload && systemctl restart dmarc-consume$/echo consume_service_restart >> "$actions"/' \
		> "$work/block-$1.sh"
	grep -n 'systemctl' "$work/block-$1.sh" && { echo "# a systemctl line the test does not know"; return 1; }
	# The block runs in a shell of its own; the services it restarts are
	# started here afterwards, in order, so that their PIDs are this shell's.
	actions=$work/actions-$1
	: > "$actions"
	( set -e; cd "$work"; . "$work/block-$1.sh" ) > "$work/block-$1.log" 2>&1
	local rc=$? a
	[ $rc -eq 0 ] || sed 's/^/# /' "$work/block-$1.sh" "$work/block-$1.log"
	for a in $(cat "$actions"); do $a || rc=1; done
	for u in $(sed -n 's/^useradd .* \([a-z-]*\)$/\1/p' "$work/block-$1.sh"); do
		existed "$u" && made_users="$made_users $u"	# the block made it
	done
	return $rc
}

cleanup_hook() {
	consume_service_stop
	redis_service_stop
	for pf in $pf_instances; do postfix -c "$pf/etc" stop > /dev/null 2>&1; done
}

# --- make install, and a machine with Debian's redis.conf and a running Postfix -------
make -C "$top_builddir" install DESTDIR="$root" > "$work/install.log" 2>&1
ok "make install" $? "$(tail -3 "$work/install.log")"
# The installed files name the configured prefix (/usr/local unless configured otherwise).
find "$examples" "$root$prefix/etc" -type f | while read -r f; do
	sed -i "s|$prefix/|@PREFIX@/|g" "$f" && relocate -i -e "s|@PREFIX@/|$root$prefix/|g" "$f"
done
install -d -m 755 "$sys/etc/redis" && cp -p /etc/redis/redis.conf "$sys/etc/redis/"
relocate -i "$sys/etc/redis/redis.conf"
install -d -o redis -g redis -m 750 "$sys/var/lib/redis" "$sys/var/log/redis"
install -d -m 755 "$sys/etc/systemd/system"
pf_init "$pf"
pf_run "$pf" || exit 1

# --- Redis on the mail host ----------------------------------------------------------
run_block redis
ok "README: Redis on the mail host" $?
is "the socket: mode 770, owner and group redis" "$(stat -c '%A %U %G' "$sock" 2> /dev/null)" "srwxrwx--- redis redis"

# --- Postfix ------------------------------------------------------------------------
run_block postfix
ok "README: Postfix" $?
is "dmarc-pipe.conf names the socket" "$(grep -c "^redis_socket = $sock\$" "$root$prefix/etc/dmarc-pipe.conf")" 1

# --- Try it, then the two other kinds -----------------------------------------------------
run_block try
ok "README: try it with a sample mail" $?
sendmail -f noreply-tls@example.net tls-reports@example.com < "$examples/sample-tlsrpt.eml"
sendmail -f noreply-ruf@example.net dmarc-failures@example.com < "$examples/sample-failure.eml"
wait_for 60 eval '[ "$(pf_count "$pf" sent)" -ge 3 ]'
is "the three sample mails: status=sent (delivered via dmarc service)" \
	"$(grep -c 'relay=dmarc, .*dsn=2.0.0, status=sent (delivered via dmarc service)$' "$pf/maillog")" 3
streams() { for s in records tlsrpt failures; do admin XLEN "{dmarc}:$s"; done | tr '\n' ' '; }
is "stored in the three streams" "$(streams)" "2 2 1 "

# --- Redis away: deferred, then drained --------------------------------------------------
redis_service_stop
"${PYTHON3:-python3}" "$top_srcdir/tests/tools/make-fixtures" --synthetic 10 operator-away "$work/away.eml"
sendmail -f noreply-dmarc@example.net dmarc-reports@example.com < "$work/away.eml"
wait_for 60 grep -q 'status=deferred' "$pf/maillog"
is "Redis stopped: the line the README quotes" \
	"$(grep -c "relay=dmarc, .*dsn=4.3.0, status=deferred (dmarc-pipe: redis at $sock: cannot connect: No such file or directory)\$" "$pf/maillog")" 1
redis_service_restart
postqueue -f
wait_for 60 eval '[ "$(pf_count "$pf" sent)" -ge 4 ]'
is "Redis back, postqueue -f: sent" "$(pf_count "$pf" sent)" 4
is "its records are there once, and the earlier ones kept" "$(streams)" "12 2 1 "
is "the queue is empty" "$(postqueue -j | wc -l)" 0

# --- dmarc-consume as a service ------------------------------------------------------------
port_in_use 9797 && metrics_port_taken=yes
run_block consume
ok "README: dmarc-consume as a service" $?
ndjson_lines() { cat "$sys"/var/lib/dmarc-consume/ndjson/*.ndjson 2> /dev/null | wc -l; }
batch_rows() {
	local f n=0
	for f in $(find "$sys/var/lib/dmarc-consume/batch" -name '*.gz' 2> /dev/null); do
		n=$((n + $(zcat "$f" | tail -n +2 | wc -l)))
	done
	echo "$n"
}
wait_for 60 eval '[ "$(ndjson_lines)" -ge 15 ]' && wait_for 90 eval '[ "$(batch_rows)" -ge 15 ]'
is "as its own user, through the group redis: every record in the daily NDJSON and the batch files" \
	"$(ndjson_lines) $(batch_rows)" "15 15"
sed 's/^/# dmarc-consume: /' "$work/consume.err"
ok "Type=notify: it tells systemd it is ready, and each sink's state" \
	"$(grep -q '^READY=1|STATUS=metrics consuming; sources consuming; batch consuming; ndjson consuming$' "$work/notify.sock.log"; echo $?)" \
	"$(head -3 "$work/notify.sock.log")"
is "its files belong to it" "$(find "$sys/var/lib/dmarc-consume" -type f ! -user dmarc-consume | wc -l)" 0
if [ -z "${metrics_port_taken:-}" ]; then
	wait_for 20 curl -sf -o "$work/metrics" http://127.0.0.1:9797/metrics
	ok "GET http://127.0.0.1:9797/metrics" "$(grep -q '^dmarc_total{' "$work/metrics"; echo $?)"
else
	echo "ok $((n += 1)) - GET http://127.0.0.1:9797/metrics # SKIP port 9797 is taken on this machine"
fi

# --- Redis ACL users -------------------------------------------------------------------------
run_block acl
ok "README: Redis ACL users" $?
admin_password=ADMIN-PASSWORD
is "the default user needs the password now" "$(redis-cli -s "$sock" XLEN '{dmarc}:records' 2>&1 | grep -c NOAUTH)" 1
is "dmarc-pipe.conf: dmarc's alone, 0600" "$(stat -c '%U %a' "$root$prefix/etc/dmarc-pipe.conf")" "dmarc 600"
is "dmarc-consume.conf: root:dmarc-consume, 0640, without dmarc-pipe's password" \
	"$(stat -c '%U:%G %a' "$root$prefix/etc/dmarc-consume.conf") $(grep -c 'PIPE-PASSWORD' "$root$prefix/etc/dmarc-consume.conf")" \
	"root:dmarc-consume 640 0"
"${PYTHON3:-python3}" "$top_srcdir/tests/tools/make-fixtures" --synthetic 20 operator-acl "$work/acl.eml"
sendmail -f noreply-dmarc@example.net dmarc-reports@example.com < "$work/acl.eml"
sendmail -f noreply-dmarc@example.net dmarc-reports@example.com < "$FIXTURES/mail-broken-zip.eml"
sendmail -f noreply-tls@example.net tls-reports@example.com < "$examples/sample-tlsrpt.eml"
wait_for 60 eval '[ "$(pf_count "$pf" sent)" -ge 7 ]'
is "as the ACL user dmarc-pipe: a new report, a refused one and a duplicate sent" "$(pf_count "$pf" sent) $(streams)" "7 32 2 1 "
wait_for 60 eval '[ "$(ndjson_lines)" -ge 35 ]'
is "as the ACL user dmarc-consume: the new records consumed" "$(ndjson_lines)" 35
is "Redis saw both programs as their ACL users" \
	"$(admin CLIENT LIST | grep -o 'user=dmarc-consume' | sort -u) $(admin HGET '{dmarc}:refused' none)" "user=dmarc-consume 1"
is "no command refused (ACL LOG is empty)" "$(admin ACL LOG | grep -c .)" 0
admin ACL LOG | sed 's/^/# /'
# (Postfix's own sockets are mode 666 in its 0700 and 0710 queue directories, by its design.)
find "$work" -path "$pf/queue" -prune -o -perm -o+w ! -type l -print > "$work/world-writable"
is "nothing the README set up is world-writable" "$(wc -l < "$work/world-writable")" 0
sed 's/^/# world-writable: /' "$work/world-writable"
is "nothing bounced" "$(pf_count "$pf" bounced)" 0
grep 'relay=dmarc' "$pf/maillog" | sed 's/^/# /'
