# A Redis master, two replicas and three sentinels on loopback (sourced
# after common.sh), the master named "m".  sentinel_setup picks the ports and
# starts them all: nodes and sentinels hold their ports, unused a port
# where nothing listens (for a list's first entry, to be skipped), pid[]
# the redis-servers' PIDs by port.  Everything is stopped by PID on exit.
# A test may set acl_args (tests/lib/common.sh: acl_user) for the nodes and
# sentinel_users ("user ..." lines) for the sentinels.

# Seven ports: three nodes, three sentinels, and one where nothing listens.
pick_ports 7
base=$port_base
nodes="$base $((base + 1)) $((base + 2))"
sentinels="$((base + 3)) $((base + 4)) $((base + 5))"
unused=$((base + 6))	# no sentinel here: the list's first entry, to be skipped
declare -A pid

node_start() {	# PORT [MASTER-PORT]
	redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
		--logfile "$work/node-$1.log" ${2:+--replicaof 127.0.0.1 "$2"} "${acl_args[@]}" &
	pid[$1]=$!
	bg_pids="$bg_pids $!"
}
sentinel_start() {	# PORT MASTER-PORT
	cat > "$work/sentinel-$1.conf" <<-EOF
	port $1
	bind 127.0.0.1
	dir $work
	logfile $work/sentinel-$1.log
	sentinel monitor m 127.0.0.1 $2 2
	sentinel down-after-milliseconds m 1000
	sentinel failover-timeout m 6000
	EOF
	printf '%s\n' "${sentinel_users[@]}" >> "$work/sentinel-$1.conf"
	redis-server "$work/sentinel-$1.conf" --sentinel &
	bg_pids="$bg_pids $!"
}
up() { [ "$(redis-cli -p "$1" PING 2> /dev/null)" = PONG ]; }
master() { redis-cli -p "$((base + 3))" SENTINEL get-master-addr-by-name m 2> /dev/null | sed -n 2p; }
# A new master that every sentinel names, that says it is one, and that has N replicas online.
settled_on_new() {	# OLD-PORT N
	local m s
	m=$(master)
	[ -n "$m" ] && [ "$m" != "$1" ] || return 1
	for s in $sentinels; do
		[ "$(redis-cli -p "$s" SENTINEL get-master-addr-by-name m | sed -n 2p)" = "$m" ] || return 1
	done
	redis-cli -p "$m" ROLE | head -1 | grep -qx master &&
		[ "$(redis-cli -p "$m" INFO replication | grep -c 'state=online')" -ge "$2" ]
}
# Sentinels learn replicas from the master's INFO, every ten seconds: true once each knows both.
knows_both() {
	local s
	for s in $sentinels; do
		[ "$(redis-cli -p "$s" SENTINEL replicas m | grep -cx name)" -eq 2 ] || return 1
	done
}
# sentinel_failover OLD-PORT: SENTINEL FAILOVER until the sentinels settle on
# another master with both replicas.  A forced failover can be refused
# (NOGOODSLAVE while a returned replica is still syncing) or abort on a
# loaded machine; false after 4 tries of 20 s.
sentinel_failover() {
	local try
	for try in 1 2 3 4; do
		redis-cli -p "$((base + 3))" SENTINEL FAILOVER m > /dev/null 2>&1
		wait_for 20 settled_on_new "$1" 2 && return 0
	done
	return 1
}
# redis_sentinels for dmarc-pipe: the unused port first, then the three sentinels.
sentinel_list() {
	echo "127.0.0.1:$unused, $(for s in $sentinels; do printf '127.0.0.1:%s, ' "$s"; done | sed 's/, $//')"
}

# Start the nodes, wait for the replicas to sync, then the sentinels, until they know both replicas.
sentinel_setup() {
	local p s first=${nodes%% *}

	for p in $nodes; do
		if [ "$p" = "$first" ]; then node_start "$p"; else node_start "$p" "$first"; fi
	done
	for p in $nodes; do wait_for 10 up "$p" || { echo "Bail out! redis-server on port $p did not start"; return 1; }; done
	for s in $sentinels; do sentinel_start "$s" "$first"; done
	for s in $sentinels; do wait_for 10 up "$s" || { echo "Bail out! sentinel on port $s did not start"; return 1; }; done
	wait_for 20 eval '[ "$(redis-cli -p "$first" INFO replication | grep -c "state=online")" -eq 2 ]' ||
		{ echo "Bail out! the replicas did not sync"; return 1; }
	wait_for 30 knows_both || { echo "Bail out! the sentinels did not learn both replicas"; return 1; }
}
