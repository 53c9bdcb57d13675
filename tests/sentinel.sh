#!/bin/bash
# Redis with Sentinel: a master, two replicas and three sentinels on
# loopback.  SENTINEL FAILOVER in the middle of a 20,000-record report with
# redis_min_replicas = 2 (every replica: a replica promoted while the old
# master still takes writes has stopped acknowledging), then kill -9 of the
# master mid-report with redis_min_replicas = 1: dmarc-pipe exits 0 or 75
# only, an exit 0 means the new master has every record, a delivery during
# the election defers, and after redelivery through the new master every
# record is in the stream once.  redis_min_replicas = 1 with the only
# replica stopped defers; with it back, the message is stored once.
# dmarc-consume's three sinks hold every record once through a SENTINEL
# FAILOVER and a kill -9 of the master while it reads.  TAP.
# Starts and stops its own servers by PID.
. "${srcdir:-.}/tests/lib/common.sh"
server_test "three Redis nodes and three sentinels through failovers"
CONSUME=${DMARC_CONSUME:-$top_builddir/src/dmarc-consume}

command -v redis-server > /dev/null && command -v redis-cli > /dev/null ||
	skip_all "redis-server is not installed (tests/tools/install-deps installs it)"

. "$top_srcdir/tests/lib/sentinel.sh"

# Both programs as ACL users with exactly the README's rules, on the nodes
# and on the sentinels.
prefixes="first a b election w"
acl_user dmarc-pipe pipe-password "$prefixes" redis_sentinels redis_min_replicas
acl_user dmarc-consume consume-password "$prefixes" redis_sentinels redis_min_replicas
sentinel_users=("user dmarc-pipe on >pipe-sentinel -@all $(acl_addition dmarc-pipe redis_sentinel_username)"
	"user dmarc-consume on >consume-sentinel -@all $(acl_addition dmarc-consume redis_sentinel_username)")
conf() {	# FILE PREFIX [lines...]: dmarc-pipe's settings, or $conf_user's
	local user=${conf_user:-dmarc-pipe}
	{
		echo "syslog = no"
		echo "redis_username = $user"
		echo "redis_password = ${user#dmarc-}-password"
		echo "redis_sentinel_username = $user"
		echo "redis_sentinel_password = ${user#dmarc-}-sentinel"
		echo "redis_sentinels = $(sentinel_list)"
		echo "redis_master_name = m"
		echo "redis_connect_timeout_ms = 500"
		echo "redis_timeout_ms = 5000"
		echo "key_prefix = $2"
		echo "$SOURCES_CONF"
		printf '%s\n' "${@:3}"
	} > "$1"
}

echo "1..20"
sentinel_setup || exit 1
first=${nodes%% *}
synthetic 20000 sentinel-20000 "$work/big.eml"

# --- found through the sentinels, the first of which does not answer ----------
conf "$work/first.conf" first
"$DMARC_PIPE" -c "$work/first.conf" < "$FIXTURES/mail-zip.eml" > /dev/null 2> "$work/err"
ok "stored through the master the sentinels name" $? "$(cat "$work/err")"
is "on the master" "$(redis-cli -p "$first" XLEN '{first}:records')" 2

# --- SENTINEL FAILOVER in the middle of a report --------------------------------
conf "$work/a.conf" a "redis_min_replicas = 2" "redis_chunk_records = 20"
"$DMARC_PIPE" -c "$work/a.conf" < "$work/big.eml" > /dev/null 2> "$work/a.err" &
p=$!
wait_for 30 eval '[ "$(redis-cli -p "$first" XLEN "{a}:records")" -ge 3000 ]'
redis-cli -p "$((base + 3))" SENTINEL FAILOVER m > /dev/null
wait "$p"
codes="$?"
wait_for 20 settled_on_new "$first" 2 || sentinel_failover "$first" || echo "# no new master after SENTINEL FAILOVER"
a_master=$(master)
ok "the master changed" "$([ "$a_master" != "$first" ]; echo $?)" "still $a_master"
echo "# the interrupted delivery said: $(head -c 200 "$work/a.err")"
redelivered_once "SENTINEL FAILOVER mid-report" "$work/a.conf" "$work/big.eml" "$codes" "$a_master" '{a}:records' 20000

# --- kill -9 of the master in the middle of a report ----------------------------
conf "$work/b.conf" b "redis_min_replicas = 1" "redis_chunk_records = 20"
"$DMARC_PIPE" -c "$work/b.conf" < "$work/big.eml" > /dev/null 2> "$work/b.err" &
p=$!
wait_for 30 eval '[ "$(redis-cli -p "$a_master" XLEN "{b}:records")" -ge 3000 ]'
# Until a replica is promoted the sentinels name the dead master.  The
# replicas are held still (SIGSTOP) until the delivery below is done, so
# that the test does not race the election on a loaded machine.
replicas=$(for n in $nodes; do [ "$n" != "$a_master" ] && echo "${pid[$n]}"; done)
kill -STOP $replicas
kill -9 "${pid[$a_master]}"
wait "${pid[$a_master]}" 2> /dev/null
bg_pids=${bg_pids/ ${pid[$a_master]}/}
wait "$p"
codes="$?"
conf "$work/election.conf" election
"$DMARC_PIPE" -c "$work/election.conf" < "$FIXTURES/mail-zip.eml" > "$work/out" 2> /dev/null
is "a delivery during the election: exit 75" $? 75
ok "with the one 4.3.0 line Postfix logs, naming the dead master" \
	"$(one_tempfail_line "$work/out" && grep -q "127.0.0.1:$a_master" "$work/out"; echo $?)" "$(cat "$work/out")"
kill -CONT $replicas
wait_for 60 settled_on_new "$a_master" 1 || echo "# no new master after kill -9"
b_master=$(master)
echo "# the interrupted delivery said: $(head -c 200 "$work/b.err")"
redelivered_once "kill -9 of the master mid-report" "$work/b.conf" "$work/big.eml" "$codes" "$b_master" '{b}:records' 20000
is "and the report stored before both failovers is still there" "$(redis-cli -p "$b_master" XLEN '{first}:records')" 2

# --- redis_min_replicas = 1 with the only replica stopped ------------------------
replica=$(for p in $nodes; do [ "$p" != "$a_master" ] && [ "$p" != "$b_master" ] && echo "$p"; done)
conf "$work/w.conf" w "redis_min_replicas = 1" "redis_wait_timeout_ms = 500"
kill -STOP "${pid[$replica]}"
"$DMARC_PIPE" -c "$work/w.conf" < "$FIXTURES/mail-zip.eml" > "$work/out" 2> /dev/null
is "the only replica stopped: exit 75" $? 75
ok "saying how many replicas acknowledged" \
	"$(grep -q '^4\.3\.0 dmarc-pipe: redis at .*: 0 of redis_min_replicas = 1 replicas acknowledged within 500 ms' "$work/out"; echo $?)" \
	"$(cat "$work/out")"
kill -CONT "${pid[$replica]}"
codes=$(deliver_until_stored "$work/w.conf" "$FIXTURES/mail-zip.eml")
is "with the replica back: stored once" "${codes##* } $(stream_uniq "$b_master" '{w}:records')" "0 2 0"

# --- dmarc-consume through a SENTINEL FAILOVER and kill -9 of the master ----------
# The old master comes back: the sentinels make it a replica, and there are two again.
node_start "$a_master"
wait_for 60 eval 'redis-cli -p "$a_master" INFO replication | grep -q "^master_link_status:up"' ||
	echo "# the old master did not come back as a replica: $(redis-cli -p "$a_master" ROLE | head -3 | tr "\n" " ")"
conf_user=dmarc-consume conf "$work/consume.conf" a "ndjson_dir = $work/sinks/ndjson" "batch_dir = $work/sinks/batch" "batch_records = 1000" \
	"batch_seconds = 1" "metrics_listen = 127.0.0.1:0" "consume_count = 200" \
	"redis_min_replicas = 2" "redis_wait_timeout_ms = 500"
"$CONSUME" -v -c "$work/consume.conf" 2> "$work/consume.err" &
cp=$!
bg_pids="$bg_pids $cp"
ndjson_lines() { sinks_ids "$work/sinks" | grep -c '^ndjson '; }
wait_for 60 eval '[ "$(ndjson_lines)" -ge 5000 ]'
sentinel_failover "$b_master" || echo "# no new master after SENTINEL FAILOVER"
c_master=$(master)
wait_for 60 eval '[ "$(ndjson_lines)" -ge 12000 ]'
kill -9 "${pid[$c_master]}"
wait "${pid[$c_master]}" 2> /dev/null
bg_pids=${bg_pids/ ${pid[$c_master]}/}
wait_for 60 settled_on_new "$c_master" 1 || echo "# no new master after kill -9"
node_start "$c_master"
wait_for 120 eval 'consumed_all "$work/sinks" "$(master)" a 20000' ||
	echo "# not everything was written: $(sink_counts "$work/sinks" | tr '\n' ' '), sums $(count_sums "$(master)" a | tr '\n' ' ')"
kill -TERM "$cp"
wait "$cp"
is "dmarc-consume went on through both failovers and stopped cleanly" $? 0
ok "the master changed twice while it read" "$([ "$c_master" != "$b_master" ] && [ "$(master)" != "$c_master" ]; echo $?)" \
	"$b_master, then $c_master, then $(master)"
is "NDJSON and batch files: one line and one row per record, none twice" "$(sink_counts "$work/sinks" | tr '\n' ' ')" \
	"20000 20000 20000 20000 "
is "metrics: dmarc_total is the sum of count" "$(count_sums "$(master)" a | sed -n 2p)" "$(count_sums "$(master)" a | sed -n 1p)"
refused=$(for p in $nodes $sentinels; do up "$p" && acl_refusals "$p"; done | sort -u | tr '\n' ' ')
is "no command refused by the README's rules on any node or sentinel (ACL LOG)" "$refused" ""
