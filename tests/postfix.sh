#!/bin/bash
# A real Postfix, configured from the files in postfix/ with only paths
# (and the rua address) substituted, delivering report mail to dmarc-pipe
# through the pipe transport into a real Redis.  TAP.
. "${srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/postfix.sh"

pf_requirements
pf=$work/postfix
# Wait until the log shows `want` final dmarc deliveries (sent or deferred).
wait_deliveries() {
	delivered() { [ "$(grep -c 'relay=dmarc, .* status=\(sent\|deferred\|bounced\)' "$pf/maillog" 2> /dev/null)" -ge "$1" ]; }
	wait_for 60 delivered "$1" && return 0
	echo "# timed out waiting for $1 deliveries"
	return 1
}
count() { pf_count "$pf" "$1"; }
xlen() { redis-cli -s "$work/redis.sock" XLEN "{dmarc}:${1:-records}"; }
submit() { pf_submit "$pf" "$@"; }

echo "1..15"

# The socket as the README sets it up: mode 770, group redis (dmarc-pipe
# runs as dmarc:redis).  This Redis runs as root, so the group is given after.
redis_start "$work/redis.sock" --unixsocketperm 770 || exit 1
chgrp redis "$work/redis.sock"
printf 'syslog = no\nredis_socket = %s\n' "$work/redis.sock" > "$work/dmarc-pipe.conf"
chmod 644 "$work/dmarc-pipe.conf"
pf_start "$pf" "$work" || exit 1

# Five report messages of 20 records each, and one message without a report.
for i in 1 2 3 4 5; do
	"${PYTHON3:-python3}" "$top_srcdir/tests/tools/make-fixtures" --synthetic 20 "postfix-$i" "$work/report$i.eml"
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
is "the deferral carries dmarc-pipe's reason, as the docs quote it, with no space before )" \
	"$(grep -c "dsn=4.3.0, status=deferred (dmarc-pipe: redis at $work/redis.sock: cannot connect: No such file or directory)\$" "$pf/maillog")" 1
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

# A run past dmarc_time_limit (Redis stopped, so dmarc-pipe waits on it):
# soft_bounce=yes makes pipe(8)'s bounce a deferral, as main.cf says.
postconf -c "$pf/etc" -e 'dmarc_time_limit = 2s'
postfix -c "$pf/etc" reload 2> /dev/null
kill -STOP "$redis_pid"
submit "$FIXTURES/mail-zip.eml"
wait_for 60 grep -q 'status=SOFTBOUNCE' "$pf/maillog"
line=$(grep 'relay=dmarc, .*status=SOFTBOUNCE' "$pf/maillog")
ok "past dmarc_time_limit: status=SOFTBOUNCE (Command time limit exceeded ...)" \
	"$(case "$line" in *'status=SOFTBOUNCE (Command time limit exceeded: '*) echo 0 ;; *) echo 1 ;; esac)" "$line"
is "and the message stays queued, not bounced" "$(postqueue -c "$pf/etc" -j | grep -c '"queue_name": *"deferred"')" 1
kill -CONT "$redis_pid"
postconf -c "$pf/etc" -e 'dmarc_time_limit = 600s'
postfix -c "$pf/etc" reload 2> /dev/null
postqueue -c "$pf/etc" -f
wait_for 60 eval '[ "$(count sent)" -ge 10 ]'
is "Redis back: delivered" "$(count sent)" 10
is "nothing was ever bounced" "$(count bounced)" 0
grep 'relay=dmarc' "$pf/maillog" | sed 's/^/# /'
