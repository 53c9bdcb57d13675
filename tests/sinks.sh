#!/bin/bash
# dmarc-consume's sinks fail and recover each on its own: with one sink
# failing (its directory not writable, its filesystem full, or, for the
# metrics, its counter a key of the wrong type), the other two consume
# every record; the failing sink's error is logged once however often it
# is retried, /metrics shows it down; once the fault is gone it catches up,
# and all three hold every record once.  TAP.
#
# dmarc-consume runs as nobody, as the shipped unit runs it unprivileged
# (root may write anywhere, so an unwritable directory would not be one):
# $work is made traversable for it, and Redis listens on loopback TCP so
# that no socket has to be opened to other users.
. "${srcdir:-.}/tests/lib/common.sh"
server_test "redis-server and dmarc-consume through five faults"

for c in redis-server redis-cli setpriv curl; do
	command -v "$c" > /dev/null || skip_all "$c is not installed (tests/tools/install-deps installs it)"
done
CONSUME=${DMARC_CONSUME:-$top_builddir/src/dmarc-consume}
records=3000
pick_ports 2
rport=$port_base
mport=$((port_base + 1))
redis_start "$work/r.sock" --port "$rport" --bind 127.0.0.1 || exit 1
rcli() { redis-cli -s "$work/r.sock" "$@"; }
chmod 711 "$work"
group=$(id -gn nobody)
synthetic "$records" sinks "$work/big.eml"

# Can this test mount a small tmpfs (a full filesystem)?  Else those rounds are skipped.
mkdir "$work/mnt-probe"
if mount -t tmpfs -o size=64k tmpfs "$work/mnt-probe" 2> /dev/null; then
	umount "$work/mnt-probe"
	can_mount=yes
fi
mounts=
cleanup_hook() { local m; for m in $mounts; do umount "$m" 2> /dev/null; done; }

# metric NAME SINK: the value /metrics gives for NAME{sink="SINK"}.
metric() { curl -s "http://127.0.0.1:$mport/metrics" | sed -n "s/^$1{sink=\"$2\"} //p"; }
# held P SINK: records SINK of prefix P holds, "<all> <distinct>".
held() {
	local ids
	case $2 in
	metrics) rcli EVAL "local s = 0 for _, v in ipairs(redis.call('HVALS', KEYS[1])) do s = s + tonumber(v) end return s" \
			1 "{$1}:metric:dmarc_total" | sed 's/.*/& &/' ;;
	*) ids=$(sinks_ids "$work/$1" | sed -n "s/^$2 //p"); echo "$(echo "$ids" | grep -c .) $(echo "$ids" | sort -u | grep -c .)" ;;
	esac
}
# expected P SINK: what held gives when SINK holds every record once (the metrics: the sum of count).
expected() {
	local sum
	case $2 in
	metrics) sum=$(rcli EVAL "local s = 0
			for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
				for i = 1, #e[2], 2 do if e[2][i] == 'count' then s = s + tonumber(e[2][i + 1]) end end
			end
			return s" 1 "{$1}:records")
		echo "$sum $sum" ;;
	*) echo "$records $records" ;;
	esac
}
holds_all() { [ "$(held "$1" "$2")" = "$(expected "$1" "$2")" ]; }
others_hold_all() {
	local s
	for s in metrics batch ndjson; do [ "$s" = "$2" ] || holds_all "$1" "$s" || return 1; done
}
logged_repeats() { grep -q "event=error sink=$2 repeated=$3 " "$work/$1/err"; }

# round NAME SINK FAULT: 7 test points.
round() {
	local p=$1 sink=$2 fault=$3 dir=$work/$1 c logged
	install -d -o nobody -g "$group" -m 700 "$dir" "$dir/batch" "$dir/ndjson"
	cat > "$dir/conf" <<-EOF
		syslog = no
		redis_host = 127.0.0.1
		redis_port = $rport
		key_prefix = $p
		metrics_listen = 127.0.0.1:$mport
		batch_dir = $dir/batch
		batch_seconds = 1
		ndjson_dir = $dir/ndjson
		$SOURCES_CONF
	EOF
	"$DMARC_PIPE" -c "$dir/conf" < "$work/big.eml" > /dev/null 2>&1
	case $fault in
	unwritable) chmod 500 "$dir/$sink" ;;
	full)
		mount -t tmpfs -o size=16m,mode=700,uid="$(id -u nobody)" tmpfs "$dir/$sink" || return 1
		mounts="$mounts $dir/$sink"
		head -c 32M /dev/zero > "$dir/$sink/filler" 2> /dev/null	# until ENOSPC
		;;
	wrongtype) rcli SET "{$p}:metric:dmarc_total" "a string where a hash belongs" > /dev/null ;;
	esac
	# The first round also speaks to a service manager, as under Type=notify with a 1 s watchdog.
	[ "$p" = unwr-batch ] && notify_listen "$work/notify.sock" nobody &&
		export NOTIFY_SOCKET=$work/notify.sock WATCHDOG_USEC=1000000
	setpriv --reuid=nobody --regid="$group" --clear-groups -- "$CONSUME" -c "$dir/conf" -v 2> "$dir/err" &
	unset NOTIFY_SOCKET WATCHDOG_USEC
	c=$!
	bg_pids="$bg_pids $c"
	wait_for 120 others_hold_all "$p" "$sink"
	ok "$sink $fault: the other two sinks consume every record meanwhile" $? \
		"$(for s in metrics batch ndjson; do echo "$s $(held "$p" "$s")"; done | tr '\n' ' ')"
	# Three retries at 1, 2 and 4 s, then the log is read.
	wait_for 60 logged_repeats "$p" "$sink" 3
	logged=$(grep -c "event=error sink=$sink reason=" "$dir/err")
	is "$sink $fault: its error is logged once over 4 failures" "$logged" 1 "$(grep "sink=$sink" "$dir/err" | head -3)"
	is "$sink $fault: /metrics shows it down, the others up" \
		"$(for s in metrics batch ndjson; do echo "$s=$(metric dmarc_consume_sink_up "$s")"; done | tr '\n' ' ')" \
		"$(for s in metrics batch ndjson; do [ "$s" = "$sink" ] && echo "$s=0" || echo "$s=1"; done | tr '\n' ' ')"
	ok "$sink $fault: it holds not all of them yet" "$([ "$(held "$p" "$sink")" != "$(expected "$p" "$sink")" ]; echo $?)"
	case $fault in
	unwritable) chmod 700 "$dir/$sink" ;;
	full) rm -f "$dir/$sink/filler" ;;
	wrongtype) rcli DEL "{$p}:metric:dmarc_total" > /dev/null ;;
	esac
	wait_for 120 holds_all "$p" "$sink"
	is "$sink $fault removed: every sink holds every record once" \
		"$(for s in metrics batch ndjson; do held "$p" "$s"; done | tr '\n' ' ')" \
		"$(for s in metrics batch ndjson; do expected "$p" "$s"; done | tr '\n' ' ')"
	wait_for 30 eval '[ "$(metric dmarc_consume_sink_up "$sink")" = 1 ]'
	ok "$sink $fault removed: its recovery is logged, /metrics shows it up and one failure" \
		"$(grep -q "event=recovered sink=$sink " "$dir/err" &&
			[ "$(metric dmarc_consume_sink_up "$sink")" = 1 ] &&
			[ "$(metric dmarc_consume_sink_failures_total "$sink")" = 1 ]; echo $?)" "$(tail -3 "$dir/err")"
	kill -TERM "$c"
	wait "$c"
	is "$sink $fault: SIGTERM: exit 0" $? 0
	if [ "$p" = unwr-batch ]; then
		wait_for 10 grep -q '^STOPPING=1' "$work/notify.sock.log"
		# READY=1 comes with the first sink that talked to Redis: the batch
		# sink's failure is in that STATUS or in one after it.
		ok "notify: READY=1 once, when a sink talked to Redis; the failing sink in STATUS" \
			"$([ "$(grep -c '^READY=1|STATUS=metrics [a-z]*; sources [a-z]*; batch [a-z]*' "$work/notify.sock.log")" = 1 ] &&
				grep -q "STATUS=metrics consuming; sources consuming; batch failing: $dir/batch/records/dt=[0-9-]*: Permission denied; ndjson consuming\$" \
				"$work/notify.sock.log"; echo $?)" "$(head -3 "$work/notify.sock.log")"
		ok "notify: STATUS when it recovered, the watchdog pinged, STOPPING=1 on SIGTERM" \
			"$(grep -q '^STATUS=metrics consuming; sources consuming; batch consuming; ndjson consuming$' "$work/notify.sock.log" &&
				grep -q '^WATCHDOG=1$' "$work/notify.sock.log" && grep -q '^STOPPING=1|' "$work/notify.sock.log"; echo $?)" \
			"$(sort "$work/notify.sock.log" | uniq -c | tr '\n' ' ')"
	fi
	bg_pids=${bg_pids/ $c/}
	[ "$fault" = full ] && umount "$dir/$sink" && mounts=${mounts/ $dir\/$sink/}
	return 0
}

echo "1..37"
round unwr-batch batch unwritable
round unwr-ndjson ndjson unwritable
round wrong-metrics metrics wrongtype
for sink in batch ndjson; do
	if [ -n "${can_mount:-}" ]; then
		round "full-$sink" "$sink" full
	else
		for i in 1 2 3 4 5 6 7; do skip_point "$sink full ($i)" "this test may not mount a tmpfs"; done
	fi
done
