#!/bin/bash
# A real Postfix, configured from the files in postfix/ with only paths
# (and the rua address) substituted, delivering report mail to dmarc-pipe
# through the pipe transport into a real Redis.  TAP.
. "${srcdir:-.}/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "Postfix needs root to start"
command -v postfix > /dev/null || skip_all "postfix is not installed (tests/install-deps installs it)"
command -v redis-server > /dev/null || skip_all "redis-server is not installed"
[ -f /usr/share/postfix/master.cf.dist ] || skip_all "no /usr/share/postfix/master.cf.dist"
# The shipped master.cf runs dmarc-pipe as the user dmarc.
id dmarc > /dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin dmarc ||
	skip_all "cannot create the user dmarc"

pf=$work/postfix
cleanup_hook() {
	postfix -c "$pf/etc" stop > /dev/null 2>&1
	[ -f "$pf/queue/pid/master.pid" ] && kill "$(tr -d ' ' < "$pf/queue/pid/master.pid")" 2> /dev/null
}
# Wait until the log shows `want` final dmarc deliveries (sent or deferred).
wait_deliveries() {
	local want=$1 i
	for i in $(seq 600); do
		[ "$(grep -c 'relay=dmarc, .* status=\(sent\|deferred\|bounced\)' "$pf/maillog" 2> /dev/null)" -ge "$want" ] && return 0
		sleep 0.1
	done
	echo "# timed out waiting for $want deliveries"
	return 1
}
count() { grep -c "relay=dmarc, .* status=$1" "$pf/maillog"; }
xlen() { redis-cli -s "$work/redis.sock" XLEN "{dmarc}:${1:-records}"; }
# submit FILE [RECIPIENT]
submit() { sendmail -C "$pf/etc" -f noreply-dmarc@receiver.example "${2:-dmarc@sender.example}" < "$1"; }

echo "1..12"

# The unprivileged user must reach everything dmarc-pipe uses.
chmod 755 "$work"
mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
chown postfix "$pf/data"

redis_start "$work/redis.sock" --unixsocketperm 777 || exit 1
printf 'syslog = no\nredis_socket = %s\n' "$work/redis.sock" > "$work/dmarc-pipe.conf"
# The build tree may sit where the dmarc user cannot go: install a copy here.
mkdir "$work/bin"
cp "$DMARC_PIPE" "$work/bin/dmarc-pipe"
chmod 644 "$work/dmarc-pipe.conf"

# The instance: its own directories; the distribution's master.cf without the
# SMTP listener and without chroot; then the shipped snippets, paths substituted.
cat > "$pf/etc/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test.example
mydestination =
inet_interfaces = loopback-only
smtputf8_enable = no
maillog_file_prefixes = $pf
maillog_file = $pf/maillog
EOC
sed "s|/etc/postfix|$pf/etc|g" "$top_srcdir/postfix/main.cf" >> "$pf/etc/main.cf"
sed -e 's/^smtp\( *\)inet/#smtp\1inet/' -e 's/^\([a-z][-a-z]* *[-a-z]* *[-yn] *[-yn] *\)y/\1n/' \
	/usr/share/postfix/master.cf.dist > "$pf/etc/master.cf"
sed -e "s|@bindir@|$work/bin|g" -e "s|@sysconfdir@|$work|g" \
	"$top_srcdir/postfix/master.cf.in" >> "$pf/etc/master.cf"
sed -e "s|dmarc-reports@example.com|dmarc@sender.example|" -e "s|dmarc-failures@example.com|ruf@sender.example|" \
	-e "s|tls-reports@example.com|tlsrpt@sender.example|" "$top_srcdir/postfix/transport" > "$pf/etc/transport"
postmap -c "$pf/etc" "$pf/etc/transport"
postfix -c "$pf/etc" check 2>&1 | sed 's/^/# /'
if ! postfix -c "$pf/etc" start > "$work/start.log" 2>&1; then
	sed 's/^/# /' "$work/start.log" "$pf/maillog"
	exit 1
fi

# Five report messages of 20 records each, and one message without a report.
for i in 1 2 3 4 5; do
	"${PYTHON3:-python3}" "$top_srcdir/tests/make-fixtures" --synthetic 20 "postfix-$i" "$work/report$i.eml"
	submit "$work/report$i.eml"
done
wait_deliveries 5
is "5 report messages: status=sent 5 times" "$(count sent)" 5
is "5 x 20 records in the stream" "$(xlen)" 100
submit "$FIXTURES/mail-no-report.eml"
wait_deliveries 6
is "a message without a report: status=sent" "$(count sent)" 6
is "and nothing stored" "$(xlen)" 100

# Redis unreachable: the socket moved away.
mv "$work/redis.sock" "$work/redis.sock.away"
submit "$FIXTURES/mail-two-reports.eml"
wait_deliveries 7
is "Redis unreachable: status=deferred" "$(count deferred)" 1
is "the deferral carries dmarc-pipe's 4.3.0 reason" \
	"$(grep -c 'dsn=4.3.0, status=deferred (dmarc-pipe: redis at [^:]*: cannot connect' "$pf/maillog")" 1
mv "$work/redis.sock.away" "$work/redis.sock"
postqueue -c "$pf/etc" -f
wait_deliveries 8
is "Redis back, queue flushed: status=sent" "$(count sent)" 7
is "every record of the deferred message is there once" "$(xlen)" 103

# The shipped transport map routes the failure and TLS reporting addresses too.
submit "$FIXTURES/mail-tlsrpt-gzip.eml" tlsrpt@sender.example
submit "$FIXTURES/arf-dmarc.eml" ruf@sender.example
wait_deliveries 10
is "a TLS report and a failure report to their own addresses: status=sent" "$(count sent)" 9
is "the TLS report's 2 records in {dmarc}:tlsrpt" "$(xlen tlsrpt)" 2
is "the failure report's record in {dmarc}:failures" "$(xlen failures)" 1
is "nothing was ever bounced" "$(count bounced)" 0
grep 'relay=dmarc' "$pf/maillog" | sed 's/^/# /'
