#!/bin/bash
# Three MX hosts, one Redis under Sentinel: three Postfix instances, each
# with its own dmarc-pipe.conf, deliver 1,000 report messages in parallel
# (and 100 of them a second time through another host, as a reporter that
# retries elsewhere) while the master is killed (kill -9) and a replica
# takes over.  Nothing bounces, deliveries during the failover defer and
# are retried, and every record is in the stream once.  TAP.  Starts and
# stops its own servers by PID.
. "${srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/postfix.sh"

# A load test of the whole set-up: under a sanitizer 1,100 instrumented runs
# would take most of CI's time.
sanitized_skip "address thread" "a load test; tests/sentinel.sh runs the same code paths of dmarc-pipe under the sanitizers"
server_test "a load test, three Postfix instances through a failover"
pf_requirements
command -v redis-cli > /dev/null || skip_all "redis-cli is not installed (tests/tools/install-deps installs it)"
. "$top_srcdir/tests/lib/sentinel.sh"

MESSAGES=1000
AGAIN=100		# the first AGAIN messages also go through the next host
RECORDS=20
hosts="1 2 3"

echo "1..7"
sentinel_setup || exit 1
echo "# Redis and Sentinel up by ${SECONDS}s"
old_master=$(master)
"${PYTHON3:-python3}" "$top_srcdir/tests/tools/make-fixtures" --synthetic-many "$MESSAGES" "$RECORDS" mx "$work/mails"

for h in $hosts; do
	mkdir -p "$work/mx$h"
	cat > "$work/mx$h/dmarc-pipe.conf" <<-EOF
	syslog = no
	redis_sentinels = $(sentinel_list)
	redis_master_name = m
	redis_connect_timeout_ms = 500
	redis_timeout_ms = 5000
	redis_min_replicas = 2
	redis_wait_timeout_ms = 1000
	EOF
	chmod 755 "$work/mx$h"
	chmod 644 "$work/mx$h/dmarc-pipe.conf"
	# Retry deferred mail within seconds, not Postfix's default minutes.
	pf_start "$work/mx$h/postfix" "$work/mx$h" "syslog_name = postfix-mx$h" "queue_run_delay = 1s" \
		"minimal_backoff_time = 1s" "maximal_backoff_time = 2s" "in_flow_delay = 0s" || exit 1
done

total() {	# STATUS: final dmarc deliveries with it, on all hosts
	local h n=0
	for h in $hosts; do n=$((n + $(pf_count "$work/mx$h/postfix" "$1"))); done
	echo "$n"
}
queued() {	# messages still in the three queues
	local h n=0
	for h in $hosts; do n=$((n + $(postqueue -c "$work/mx$h/postfix/etc" -j 2> /dev/null | wc -l))); done
	echo "$n"
}

echo "# three Postfix instances up by ${SECONDS}s"
# Each host takes every third message; the first AGAIN go through the next host too.
for h in $hosts; do
	(
		for i in $(seq "$h" 3 "$MESSAGES"); do pf_submit "$work/mx$h/postfix" "$work/mails/$i.eml"; done
		next=$((h % 3 + 1))
		for i in $(seq "$h" 3 "$AGAIN"); do pf_submit "$work/mx$next/postfix" "$work/mails/$i.eml"; done
	) &
	submitters="$submitters $!"
done

# A third of the way in, the master dies; the sentinels elect a replica.
wait_for 120 eval '[ "$(total sent)" -ge $((MESSAGES / 3)) ]' || echo "# deliveries did not start"
kill -9 "${pid[$old_master]}"
wait "${pid[$old_master]}" 2> /dev/null
bg_pids=${bg_pids/ ${pid[$old_master]}/}
echo "# master $old_master killed after $(total sent) deliveries, at ${SECONDS}s"
wait $submitters
wait_for 60 settled_on_new "$old_master" 1 || echo "# no new master after kill -9"
new_master=$(master)
echo "# $new_master took over by ${SECONDS}s"
# It comes back, and the sentinels make it a replica: two again, as redis_min_replicas = 2 wants.
node_start "$old_master"
wait_for 60 eval 'redis-cli -p "$old_master" INFO replication | grep -q "^master_link_status:up"' ||
	echo "# the old master did not come back as a replica"
echo "# the old master is a replica by ${SECONDS}s; $(queued) messages queued"
# Postfix retries by itself; after one failed delivery it suspends the destination
# and backs off, which drains slowly.  An operator flushes once Redis is back.
for h in $hosts; do postqueue -c "$work/mx$h/postfix/etc" -f; done
wait_for 300 eval '[ "$(queued)" -eq 0 ]' || echo "# $(queued) messages still queued"
echo "# queues empty by ${SECONDS}s"

all=$((MESSAGES + AGAIN))
echo "# sent $(total sent), deferred $(total deferred) times, bounced $(total bounced); master $old_master -> $new_master"
ok "a replica took over" "$([ -n "$new_master" ] && [ "$new_master" != "$old_master" ]; echo $?)"
is "every message delivered: status=sent $all times" "$(total sent)" "$all"
is "nothing bounced" "$(total bounced)" 0
ok "deliveries during the failover deferred (4.3.0) and were retried" \
	"$([ "$(total deferred)" -gt 0 ]; echo $?)" "no deferral: the failover came too late"
is "the queues are empty" "$(queued)" 0
is "every record in the new master's stream once" "$(stream_uniq "$new_master" '{dmarc}:records')" \
	"$((MESSAGES * RECORDS)) 0"
ok "each host stored some" "$(for h in $hosts; do
	grep -q "postfix-mx$h/pipe.*relay=dmarc.*status=sent" "$work/mx$h/postfix/maillog" || echo "mx$h"
	done | grep -q .; [ $? -ne 0 ]; echo $?)"
