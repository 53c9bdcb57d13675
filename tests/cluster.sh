#!/bin/bash
# Redis Cluster: three masters with a replica each, built with
# redis-cli --cluster create on loopback.  The slot of {key_prefix} is
# migrated to another master in the middle of a 20,000-record report with
# the delivery held still while the keys move (so it meets ASK and goes on
# with ASKING), then migrated back the same way once the migration is over
# (so it meets MOVED); the slot's master is killed (kill -9) mid-report and
# its replica takes over, and it comes back as that one's replica.  Exit 0 or 75 only, an exit 0 means stored, and
# after redelivery every record is in the stream once.  dmarc-consume reads
# the stream through the cluster, across a migration, once.  TAP.  Starts
# and stops its own servers by PID.
. "${srcdir:-.}/tests/lib/common.sh"
server_test "a six-node Redis Cluster through migrations and a kill"
sanitized_skip thread "the threads it runs (the readahead worker, the sinks) run under ThreadSanitizer in tests/redis.sh, sentinel.sh and consume.sh; the AddressSanitizer build runs it"

command -v redis-server > /dev/null && command -v redis-cli > /dev/null ||
	skip_all "redis-server is not installed (tests/tools/install-deps installs it)"
CONSUME=${DMARC_CONSUME:-$top_builddir/src/dmarc-consume}

# Six nodes and one port where nothing listens; each node's cluster bus is at port + 10000.
pick_ports 7
base=$port_base
nodes=$(seq "$base" $((base + 5)))
unused=$((base + 6))
declare -A pid

node_start() {	# PORT
	redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
		--cluster-enabled yes --cluster-config-file "nodes-$1.conf" --cluster-node-timeout 3000 \
		--logfile "$work/node-$1.log" "${acl_args[@]}" &
	pid[$1]=$!
	bg_pids="$bg_pids $!"
}
up() { [ "$(redis-cli -p "$1" PING 2> /dev/null)" = PONG ]; }
cluster_ok() {	# every live node says the cluster is ok
	local p
	for p in $nodes; do
		[ -n "${pid[$p]}" ] || continue
		redis-cli -p "$p" CLUSTER INFO | grep -q '^cluster_state:ok' || return 1
	done
}
node_id() { redis-cli -p "$1" CLUSTER MYID; }
# Each node's own view (another node's gossip can lag behind): the live masters' ports.
masters() {
	local p
	for p in $nodes; do
		[ -n "${pid[$p]}" ] && redis-cli -p "$p" ROLE 2> /dev/null | head -1 | grep -qx master && echo "$p"
	done
}
# owner SLOT: the port of the live master that says it serves SLOT.
owner() {
	local p
	for p in $(masters); do
		redis-cli -p "$p" CLUSTER NODES | awk -v slot="$1" '$3 ~ /myself/ {
			for (i = 9; i <= NF; i++) {
				n = split($i, r, "-")
				if ($i !~ /^\[/ && slot >= r[1] && slot <= (n > 1 ? r[2] : r[1])) found = 1
			}
		} END { exit !found }' && echo "$p"
	done
}
# The roles redis-cli --cluster create gave: three masters, three replicas linked up.
roles_settled() {
	local p up=0
	for p in $nodes; do
		redis-cli -p "$p" INFO replication | grep -q '^master_link_status:up' && up=$((up + 1))
	done
	[ "$(masters | wc -l)" -eq 3 ] && [ "$up" -eq 3 ]
}
# Both programs as ACL users with exactly the README's rules.
acl_user dmarc-pipe pipe-password c redis_cluster redis_min_replicas
acl_user dmarc-consume consume-password c redis_cluster
conf() {	# FILE [lines...]: dmarc-pipe's settings, or $conf_user's
	local user=${conf_user:-dmarc-pipe}
	{
		echo "syslog = no"
		echo "redis_username = $user"
		echo "redis_password = ${user#dmarc-}-password"
		echo "redis_cluster = 127.0.0.1:$unused, 127.0.0.1:$base, 127.0.0.1:$((base + 1))"
		echo "redis_connect_timeout_ms = 500"
		echo "redis_timeout_ms = 5000"
		echo "key_prefix = c"
		echo "$SOURCES_CONF"
		printf '%s\n' "${@:2}"
	} > "$1"
}
# migrate SLOT FROM-PORT TO-PORT: move the slot's keys, leaving both nodes in the middle (ASK).
migrate_keys() {
	local keys reply i
	[ -n "$2" ] && [ -n "$3" ] || { echo "# migrate_keys: no node ($2 -> $3)"; return 1; }
	redis-cli -p "$3" CLUSTER SETSLOT "$1" IMPORTING "$(node_id "$2")" > /dev/null
	redis-cli -p "$2" CLUSTER SETSLOT "$1" MIGRATING "$(node_id "$3")" > /dev/null
	for i in $(seq 100); do
		mapfile -t keys < <(redis-cli -p "$2" CLUSTER GETKEYSINSLOT "$1" 100 | grep .)
		[ "${#keys[@]}" -eq 0 ] && return 0
		reply=$(redis-cli -p "$2" MIGRATE 127.0.0.1 "$3" "" 0 5000 KEYS "${keys[@]}")
		[ "$reply" = OK ] || { echo "# MIGRATE from $2 to $3: $reply"; return 1; }
	done
	echo "# migrate_keys: keys still on $2 after 100 rounds"
	return 1
}
# ... and end the migration: every master says TO-PORT owns the slot.
migrate_end() {
	local m id
	id=$(node_id "$2")
	for m in $(masters); do redis-cli -p "$m" CLUSTER SETSLOT "$1" NODE "$id" > /dev/null; done
}
xlen() { redis-cli -p "$1" XLEN '{c}:records'; }

echo "1..20"
for p in $nodes; do node_start "$p"; done
for p in $nodes; do wait_for 10 up "$p" || { echo "Bail out! redis-server on port $p did not start: $(tail -2 "$work/node-$p.log")"; exit 1; }; done
redis-cli --cluster create $(for p in $nodes; do printf '127.0.0.1:%s ' "$p"; done) --cluster-replicas 1 \
	--cluster-yes > "$work/create.log" 2>&1 || { echo "Bail out! redis-cli --cluster create: $(tail -3 "$work/create.log")"; exit 1; }
wait_for 30 cluster_ok || { echo "Bail out! the cluster did not come up"; exit 1; }
wait_for 30 roles_settled || { echo "Bail out! the replicas did not link up"; exit 1; }
slot=$(redis-cli -p "$base" CLUSTER KEYSLOT '{c}:records')
src=$(owner "$slot")
dst=$(masters | grep -vx "$src" | head -1)
echo "# slot $slot on $src; it moves to $dst and back"

# --- found through the nodes, the first of which does not answer ---------------
conf "$work/c.conf"
"$DMARC_PIPE" -c "$work/c.conf" < "$FIXTURES/mail-zip.eml" > /dev/null 2> "$work/err"
ok "stored through the master serving the slot" $? "$(cat "$work/err")"
is "on that master" "$(xlen "$src")" 2

# --- the slot migrated in the middle of a report: ASK, then ASKING ------------
synthetic 20000 cluster-ask "$work/ask.eml"
conf "$work/chunks.conf" "redis_chunk_records = 20"
"$DMARC_PIPE" -v -c "$work/chunks.conf" < "$work/ask.eml" > /dev/null 2> "$work/ask.err" &
p=$!
wait_for 30 eval '[ "$(xlen "$src")" -ge 3000 ]'
kill -STOP "$p"
migrate_keys "$slot" "$src" "$dst"
kill -CONT "$p"
# The delivery goes on at the importing node, with ASKING, while the slot is still migrating.
wait_for 30 eval '[ "$(xlen "$dst")" -ge 8000 ]'
migrate_end "$slot" "$dst"
wait "$p"
redelivered_once "migration mid-report" "$work/chunks.conf" "$work/ask.eml" "$?" "$dst" '{c}:records' 20002
ok "it met ASK and went on with ASKING" "$(grep -q 'slot is migrating' "$work/ask.err" &&
	grep -q "connected to redis at 127.0.0.1:$dst (ASKING)" "$work/ask.err"; echo $?)" "$(grep -i 'redis at' "$work/ask.err" | head -5)"

# --- migrated back while the delivery is held still: MOVED ---------------------
synthetic 20000 cluster-moved "$work/moved.eml"
"$DMARC_PIPE" -v -c "$work/chunks.conf" < "$work/moved.eml" > /dev/null 2> "$work/moved.err" &
p=$!
wait_for 30 eval '[ "$(xlen "$dst")" -ge 23000 ]'
kill -STOP "$p"
migrate_keys "$slot" "$dst" "$src"
migrate_end "$slot" "$src"
kill -CONT "$p"
wait "$p"
redelivered_once "slot moved back mid-report" "$work/chunks.conf" "$work/moved.eml" "$?" "$src" '{c}:records' 40002
ok "it met MOVED and followed it" "$(grep -q 'the slot moved' "$work/moved.err"; echo $?)" \
	"$(grep -i 'redis at' "$work/moved.err" | head -5)"

# --- kill -9 of the slot's master in the middle of a report --------------------
synthetic 20000 cluster-kill "$work/kill.eml"
# Chunks of 2 records: slow enough for the test to catch the delivery early in the report.
conf "$work/kill.conf" "redis_chunk_records = 2" "redis_min_replicas = 1"
"$DMARC_PIPE" -c "$work/kill.conf" < "$work/kill.eml" > /dev/null 2> "$work/kill.err" &
p=$!
wait_for 30 eval '[ "$(xlen "$src")" -ge 40500 ]'
# Until its replica takes over, nobody serves the slot.  The replica is held
# still (SIGSTOP) until the delivery below is done, so that the test does
# not race the election on a loaded machine.
replica=$(for n in $nodes; do redis-cli -p "$n" INFO replication | grep -q "^master_port:$src" && echo "$n"; done | head -1)
[ -n "$replica" ] || echo "# no replica of $src found"
# The delivery is held still too, so that the master dies in the middle of its report.
kill -STOP "$p" "${pid[$replica]}"
kill -9 "${pid[$src]}"
wait "${pid[$src]}" 2> /dev/null
bg_pids=${bg_pids/ ${pid[$src]}/}
pid[$src]=
kill -CONT "$p"
wait "$p"
codes="$?"
"$DMARC_PIPE" -c "$work/c.conf" < "$FIXTURES/mail-zip.eml" > "$work/out" 2> /dev/null
is "a delivery before the replica takes over: exit 75" $? 75
ok "with the one 4.3.0 line Postfix logs" "$(one_tempfail_line "$work/out"; echo $?)" "$(cat "$work/out")"
kill -CONT "${pid[$replica]}"
live=$(for n in $nodes; do [ -n "${pid[$n]}" ] && echo "$n"; done | head -1)
new_master() { m=$(owner "$slot"); [ -n "$m" ] && [ "$m" != "$src" ] && cluster_ok; }
wait_for 60 new_master || {
	echo "Bail out! no replica took over the slot in 60 s: $(redis-cli -p "$live" CLUSTER NODES | tr '\n' ';')"
	exit 1
}
m=$(owner "$slot")
# The promoted replica has none of its own until the old master comes back as one (redis_min_replicas = 1).
node_start "$src"
wait_for 60 eval '[ "$(redis-cli -p "$m" INFO replication | grep -c "state=online")" -ge 1 ]' ||
	echo "# the old master did not come back as a replica"
echo "# the interrupted delivery said: $(head -c 200 "$work/kill.err")"
redelivered_once "kill -9 of the master mid-report" "$work/kill.conf" "$work/kill.eml" "$codes" "$m" '{c}:records' 60002

# --- dmarc-consume through the cluster, across a migration ---------------------
other=$(masters | grep -vx "$m" | head -1)
conf_user=dmarc-consume conf "$work/consume.conf" "consume_count = 500" "consumer_name = one" "ndjson_dir = $work/sinks/ndjson" \
	"batch_dir = $work/sinks/batch" \
	"batch_records = 1000" "batch_seconds = 1" "metrics_listen = 127.0.0.1:0"
"$CONSUME" -v -c "$work/consume.conf" 2> "$work/consume.err" &
cp=$!
bg_pids="$bg_pids $cp"
wait_for 60 eval '[ "$(sinks_ids "$work/sinks" | grep -c "^ndjson ")" -ge 20000 ]'
kill -STOP "$cp"
migrate_keys "$slot" "$m" "$other"
kill -CONT "$cp"
# The slot stays migrating until the consumer has met ASK and gone on at the importing node.
wait_for 30 grep -q "connected to redis at 127.0.0.1:$other (ASKING)" "$work/consume.err" ||
	echo "# the consumer met no ASK within 30 s"
migrate_end "$slot" "$other"
at=$(owner "$slot")
wait_for 120 consumed_all "$work/sinks" "$at" c 60002 ||
	echo "# not everything was written: $(sink_counts "$work/sinks" | tr '\n' ' '), sums $(count_sums "$at" c | tr '\n' ' ')"
kill -TERM "$cp"
wait "$cp"
is "dmarc-consume went on through the migration and stopped cleanly" $? 0
ok "it met ASK and went on with ASKING" "$(grep -q 'slot is migrating' "$work/consume.err" &&
	grep -q "connected to redis at 127.0.0.1:$other (ASKING)" "$work/consume.err"; echo $?)" \
	"$(grep -i 'redis at' "$work/consume.err" | head -5)"
is "NDJSON and batch files: one line and one row per record, none twice" "$(sink_counts "$work/sinks" | tr '\n' ' ')" \
	"60002 60002 60002 60002 "
is "metrics: dmarc_total is the sum of count" "$(count_sums "$at" c | sed -n 2p)" "$(count_sums "$at" c | sed -n 1p)"
refused=$(for p in $nodes; do [ -n "${pid[$p]}" ] && up "$p" && acl_refusals "$p"; done | sort -u | tr '\n' ' ')
is "no command refused by the README's rules on any node (ACL LOG)" "$refused" ""
