#!/bin/bash
# Redis between hosts through spiped (contrib/spiped-dmarc-redis-*.service): Redis listens only
# on a Unix socket, the tunnel's far end; dmarc-pipe and dmarc-consume
# reach it through the near end on loopback.  What crosses the network is
# encrypted and authenticated: a plain client at the far end gets no
# Redis, a tunnel with another key gets nothing through.  TAP.  Starts and
# stops its own servers by PID.
. "${srcdir:-.}/tests/lib/common.sh"

command -v redis-server > /dev/null || skip_all "redis-server is not installed (tests/tools/install-deps installs it)"
command -v spiped > /dev/null || skip_all "spiped is not installed (tests/tools/install-deps installs it)"
CONSUME=${DMARC_CONSUME:-$top_builddir/src/dmarc-consume}

echo "1..6"
sock=$work/r.sock
redis_start "$sock" || exit 1
pick_ports 3
base=$port_base
far=$base near=$((base + 1)) wrong=$((base + 2))
dd if=/dev/urandom of="$work/key" bs=32 count=1 2> /dev/null
dd if=/dev/urandom of="$work/other.key" bs=32 count=1 2> /dev/null
tunnel() {	# MODE SOURCE TARGET KEY
	spiped "$1" -F -s "$2" -t "$3" -k "$4" -p "$work/spiped-$RANDOM.pid" 2>> "$work/spiped.err" &
	bg_pids="$bg_pids $!"
}
# The Redis host's end, as contrib/spiped-dmarc-redis-server.service runs it ...
tunnel -d "[127.0.0.1]:$far" "$sock" "$work/key"
# ... and an MX host's end, as contrib/spiped-dmarc-redis-client.service does.
tunnel -e "[127.0.0.1]:$near" "[127.0.0.1]:$far" "$work/key"
tunnel -e "[127.0.0.1]:$wrong" "[127.0.0.1]:$far" "$work/other.key"
through_tunnel() { redis-cli -p "$near" PING 2> /dev/null | grep -qx PONG; }
wait_for 10 through_tunnel || bail_out "no PONG through the tunnel on port $near"

conf() {	# FILE PORT
	printf 'syslog = no\nredis_host = 127.0.0.1\nredis_port = %s\nredis_timeout_ms = 3000\nredis_connect_timeout_ms = 1000\nmetrics_listen =\nndjson_dir = %s\n' \
		"$2" "$work/ndjson" > "$1"
	echo "$SOURCES_CONF" >> "$1"
}
conf "$work/near.conf" "$near"
"$DMARC_PIPE" -c "$work/near.conf" < "$FIXTURES/mail-zip.eml" > /dev/null 2> "$work/err"
ok "dmarc-pipe stores through the tunnel" $? "$(cat "$work/err")"
is "the records are in the stream behind it" "$(redis-cli -s "$sock" XLEN '{dmarc}:records')" 2
"$CONSUME" -c "$work/near.conf" --once 2> "$work/err"
ok "dmarc-consume reads through it" $? "$(tail -2 "$work/err")"
is "and writes every record" "$(cat "$work"/ndjson/*.ndjson | wc -l)" 2

# The far end speaks no Redis to anyone without the key.  spiped waits up to
# 5 s for the rest of a handshake, then hangs up; redis-cli then reports the
# closed connection, or nothing if our own timeout comes first on a loaded
# machine: either way, no PONG.
reply=$(timeout 15 redis-cli -p "$far" PING 2>&1 | head -c 100)
ok "a plain client at the far end gets no Redis" "$([ "$reply" != PONG ]; echo $?)" "$reply"
conf "$work/wrong.conf" "$wrong"
"$DMARC_PIPE" -c "$work/wrong.conf" < "$FIXTURES/mail-zip.eml" > "$work/out" 2> /dev/null
is "a tunnel with another key: the delivery defers" "$? $(grep -c '^4\.3\.0 dmarc-pipe: redis at 127.0.0.1:' "$work/out")" "75 1"
