# Shared set-up for the shell tests (sourced by bash).  The automake harness sets
# srcdir; tests run from the build directory.
top_srcdir=$(cd "${srcdir:-.}" && pwd)
top_builddir=$(pwd)
DMARC_PIPE=${DMARC_PIPE:-$top_builddir/src/dmarc-pipe}
FIXTURES=$top_builddir/tests/build/fixtures
work=$(mktemp -d "${TMPDIR:-/tmp}/dmarc-pipe-test.XXXXXX")

# Processes a test started: stopped by PID (never by name) on the way out.
bg_pids=
stop_pids() {
	local p
	for p in $bg_pids; do
		{ kill -9 "$p" && wait "$p"; } 2> /dev/null
	done
	bg_pids=
}
cleanup_hook() { :; }	# a test may redefine it

# System accounts the shipped files name (dmarc, dmarc-consume): need_user
# creates one when it is missing and it is removed again on the way out.
# Tests that use them hold a lock for their whole run, so that one test
# never removes an account another is still using.
made_users=
need_user() {	# need_user NAME [useradd options...]
	local name=$1
	shift
	lock_users
	id "$name" > /dev/null 2>&1 && return 0
	useradd "$@" "$name" || return 1
	made_users="$made_users $name"
}
# The lock is held by a process of its own, so that no server a test starts
# inherits it.
users_lock_pid=
lock_users() {
	local ready
	[ -n "$users_lock_pid" ] && return 0
	coproc USERS_LOCK { exec 8> "${TMPDIR:-/tmp}/dmarc-pipe-tests.users.lock"; flock 8; echo locked; exec sleep 86400; }
	users_lock_pid=$USERS_LOCK_PID
	read -r ready <&"${USERS_LOCK[0]}"
}
remove_made_users() {
	local u
	for u in $made_users; do userdel "$u" 2> /dev/null || echo "# could not remove the account $u"; done
	made_users=
	[ -n "$users_lock_pid" ] && kill "$users_lock_pid" 2> /dev/null
}
# dmarc-consume's sources stage, in tests that are not about it: the
# services table from the source tree (nothing is installed), and no DNS
# (this machine has none to ask: each batch would wait dns_timeout_ms).
SOURCES_CONF="services_table = $top_srcdir/src/consume/sources/services.tsv
dns_lookups = no"
# DP_KEEP_WORK=1 keeps the test's directory (logs, files, configuration) for a look afterwards.
trap 'cleanup_hook; stop_pids; remove_made_users; [ -n "${DP_KEEP_WORK:-}" ] && echo "# kept $work" || rm -rf "$work"' EXIT
# Interrupted: exit, which runs the cleanup (a trap that only cleaned up would let a loop go on).
trap 'exit 130' INT
trap 'exit 143' TERM

# Path of a case's input: data/NAME (hand-written) or build/NAME (generated).
fixture() {
	case "$1" in
	data/*) echo "$top_srcdir/tests/$1" ;;
	build/*) echo "$FIXTURES/${1#build/}" ;;
	*) echo "$1" ;;
	esac
}

# TAP: ok NAME STATUS [DIAGNOSTIC] passes when STATUS is 0; is NAME GOT WANT [DIAGNOSTIC];
# skip_point NAME REASON.
n=0
ok() {
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1${3:+: $3}"; fi
}
is() {
	n=$((n + 1))
	if [ "$2" = "$3" ]; then echo "ok $n - $1"; else echo "not ok $n - $1: got '$2', want '$3'${4:+ ($4)}"; fi
}
skip_point() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
# server_test WHAT: a test that runs servers for minutes (WHAT says which)
# is skipped when DP_SKIP_LOAD_TESTS is set: .ci/run runs these once, in its
# plain make check, and not again in make distcheck.
server_test() {
	[ -z "${DP_SKIP_LOAD_TESTS:-}" ] ||
		skip_all "$1, skipped as DP_SKIP_LOAD_TESTS asks (.ci/run runs it in the plain make check)"
}
# sanitized_skip KINDS REASON: skipped in a build with one of the sanitizers KINDS
# ("address thread", or "thread") when REASON says where its code runs under them
# instead: .ci/run runs the suite three times, and these add time, not coverage.
sanitized_skip() {
	case " $1 " in
	*" ${DP_SANITIZERS:-no} "*) skip_all "not run in the --enable-sanitizers=$DP_SANITIZERS build: $2" ;;
	esac
}
# bail_out REASON: the test cannot go on (a condition it waits for never came): TAP's loud stop.
bail_out() { echo "Bail out! $*"; exit 1; }

# redis_answers SOCKET: PONG (the server is up and has loaded its data).
redis_answers() { [ "$(REDISCLI_AUTH=${REDISCLI_AUTH:-} redis-cli -s "$1" ping 2> /dev/null)" = PONG ]; }
# redis_start SOCKET [redis-server options...]: a private server; its PID in redis_pid.
redis_start() {
	local sock=$1
	shift
	redis-server --port 0 --unixsocket "$sock" --save '' --appendonly no --dir "$work" \
		--logfile "$sock.log" "$@" &
	redis_pid=$!
	bg_pids="$bg_pids $redis_pid"
	wait_for 10 redis_answers "$sock" && return 0
	echo "# redis-server on $sock did not start: $(tail -3 "$sock.log")"
	return 1
}

# Test ports come from below the kernel's ephemeral range, which the kernel
# hands to outgoing connections at any moment, and leave room for a cluster
# node's bus port (port + 10000), which must be below that range too.
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2> /dev/null)
ephemeral_low=${ephemeral_low:-32768}

# port_in_use PORT: some TCP or UDP socket has it, in any state.
port_in_use() { ss -Htuan "( sport = :$1 )" 2> /dev/null | grep -q .; }

# ports_unused PORT N: PORT .. PORT+N-1 and their bus ports are all unused.
ports_unused() {
	local p
	for p in $(seq "$1" $(($1 + $2 - 1))); do
		port_in_use "$p" && return 1
		port_in_use $((p + 10000)) && return 1
	done
	return 0
}

# pick_ports N: sets port_base to the first of N ports in a row that are
# unused, as are their bus ports, all below the ephemeral range; bails out
# when there are none.
pick_ports() {
	local try lo=10000 hi=$((ephemeral_low - 10000 - $1))
	if [ "$hi" -le "$lo" ]; then
		echo "Bail out! no test ports below the ephemeral range (it starts at $ephemeral_low)"
		exit 1
	fi
	for try in $(seq 50); do
		port_base=$((lo + RANDOM % (hi - lo)))
		ports_unused "$port_base" "$1" && return 0
	done
	echo "Bail out! no $1 unused ports in a row between $lo and $hi"
	exit 1
}

# readme_block NAME: the lines of the README's indented block marked
# "<!-- operator-test: NAME -->", without their indentation (empty lines
# between its lines kept).
readme_block() {
	awk -v mark="<!-- operator-test: $1 -->" '
		$0 == mark { on = 1; next }
		on && /^    / { sub(/^    /, ""); printf "%s", blanks; blanks = ""; print; seen = 1; next }
		on && seen && /^$/ { blanks = blanks "\n"; next }
		on && seen { exit }' "$top_srcdir/README.md"
}

# acl_rules PROGRAM "PREFIX..." [SETTING...]: the README's ACL rules for
# PROGRAM (its "user" line after the password, and what its table of
# additions gives for each SETTING), for keys under each {PREFIX}.
acl_rules() {
	local program=$1 keys= rules p
	for p in $2; do keys="$keys ~{$p}:*"; done
	shift 2
	rules=$(readme_block acl | sed -n "s/^user $program on >[^ ]* //p")
	[ -n "$rules" ] || { echo "Bail out! no user $program in the README's acl block"; exit 1; }
	for setting in "$@"; do rules="$rules $(acl_addition "$program" "$setting")"; done
	echo "$rules" | sed "s/ ~{dmarc}:\*/$keys/"
}
# acl_addition PROGRAM SETTING: what the README's table of additions gives PROGRAM for SETTING.
acl_addition() {
	local column
	case "$1" in dmarc-pipe) column=2 ;; *) column=3 ;; esac
	awk -v s="$2" -v c="$column" '
		/^<!-- acl-additions -->/ { on = 1; next }
		on && /^$/ { exit }
		on { gsub(/\\[|]/, "\001"); split($0, f, / [|] /)
		     if (index(f[1], "`" s "`")) { v = f[c]; gsub(/[`|]/, "", v); gsub(/\001/, "|", v); print v } }' \
		"$top_srcdir/README.md"
}

# acl_user PROGRAM PASSWORD "PREFIX..." [SETTING...]: appends to the array
# acl_args the redis-server options that make PROGRAM an ACL user with the
# README's rules (one word each: redis-server joins them).
acl_args=()
acl_user() {
	local rules
	read -r -a rules <<< "$(acl_rules "$1" "$3" "${@:4}")"
	acl_args+=(--user "$1" on ">$2" "${rules[@]}")
}
# mailbox_redis_start: the Redis a mailbox's owner reaches as the README says
# (procmail, Sieve): over TCP at 127.0.0.1:$port as the ACL user dmarc-pipe
# (password pipe-password), the default user behind a password
# (REDISCLI_AUTH, for the test's own redis-cli), and $work/redis.sock.
mailbox_redis_start() {
	pick_ports 1
	port=$port_base
	export REDISCLI_AUTH=admin-password
	acl_user dmarc-pipe pipe-password dmarc
	redis_start "$work/redis.sock" --port "$port" --bind 127.0.0.1 --requirepass admin-password "${acl_args[@]}"
}

# acl_refusals SOCKET|PORT: the commands Redis's ACL LOG says it refused, one per line.
acl_refusals() {
	local at=-s
	case "$1" in *[!0-9]*) ;; *) at=-p ;; esac
	redis-cli "$at" "$1" --raw ACL LOG | awk 'p == "reason" && $0 != "auth" { bad = 1 } p == "object" && bad { print; bad = 0 } { p = $0 }'
}

# stream_uniq SOCKET|PORT KEY: distinct (rid, ord) pairs and duplicates in a stream, counted by Redis itself.
stream_uniq() {
	local at=-s
	case "$1" in *[!0-9]*) ;; *) at=-p ;; esac
	redis-cli "$at" "$1" EVAL "local seen, n, dup = {}, 0, 0
		for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
			local f, rid, ord = e[2]
			for i = 1, #f, 2 do
				if f[i] == 'rid' then rid = f[i + 1] elseif f[i] == 'ord' then ord = f[i + 1] end
			end
			local k = rid .. '/' .. ord
			if seen[k] then dup = dup + 1 else seen[k] = true; n = n + 1 end
		end
		return n .. ' ' .. dup" 1 "$2"
}

# wait_for SECONDS COMMAND...: until the command succeeds (tried every 0.1 s);
# false if it has not within SECONDS of wall time, however long each try takes.
wait_for() {
	local deadline=$((SECONDS + $1))
	until "${@:2}"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# notify_listen SOCKET OWNER: a service manager's notify socket (sd_notify(3))
# at SOCKET, owned by OWNER (the service's account: it must be able to write
# to it, as to systemd's own); each datagram becomes a line of SOCKET.log,
# its newlines as "|".
notify_listen() {
	"${PYTHON3:-python3}" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chown(sys.argv[1], int(sys.argv[2]), -1)
with open(sys.argv[1] + ".log", "a") as log:
    print("listening", file=log, flush=True)
    while True:
        print(s.recv(4096).decode(errors="replace").replace("\n", "|"), file=log, flush=True)
' "$1" "$(id -u "$2")" &
	bg_pids="$bg_pids $!"
	wait_for 10 grep -q '^listening$' "$1.log" 2> /dev/null
}

# synthetic RECORDS ID MAIL: a report mail of that many records, its report ID made from ID.
synthetic() { "${PYTHON3:-python3}" "$top_srcdir/tests/tools/make-fixtures" --synthetic "$1" "$2" "$3"; }

# deliver_until_stored CONF MAIL: redeliver as the MTA would, every 0.5 s until an exit
# other than 75 (at most 120 times); prints the exit codes seen.  stderr goes to $work/deliveries.err.
deliver_until_stored() {
	local i rc codes=
	for i in $(seq 120); do
		"$DMARC_PIPE" -c "$1" < "$2" > /dev/null 2>> "$work/deliveries.err"
		rc=$?
		codes="$codes $rc"
		[ "$rc" -ne 75 ] && break
		sleep 0.5	# the MTA's retry interval, not a wait for a condition
	done
	echo "$codes"
}

# only_0_or_75 "CODES": every exit code is 0 or 75, and the last is 0.
only_0_or_75() { [ -z "$(echo "$1" | tr ' ' '\n' | grep -v '^$' | grep -vx '0\|75')" ] && [ "${1##* }" = 0 ]; }

# redelivered_once LABEL CONF MAIL FIRST_CODE PORT STREAM N: after a delivery
# interrupted by a failover (it exited FIRST_CODE), redeliver as the MTA
# would until stored; then the exit codes were 0 or 75 only and 0 at last,
# an exit 0 meant the records were stored already, and the master at PORT
# holds STREAM's N records once.  Three test points.
redelivered_once() {
	local label=$1 conf=$2 mail=$3 codes=$4 port=$5 stream=$6 want=$7 before
	before=$(stream_uniq "$port" "$stream")
	codes="$codes $(deliver_until_stored "$conf" "$mail")"
	echo "# $label: the interrupted delivery and the redeliveries exited$codes"
	ok "$label: exit 0 or 75 only, 0 at last" "$(only_0_or_75 "$codes"; echo $?)" "codes:$codes"
	ok "$label: an exit 0 meant stored, before any redelivery" \
		"$([ "${codes%% *}" != 0 ] || [ "$before" = "$want 0" ]; echo $?)" "exit ${codes%% *}, then $before"
	is "$label: every record in the master's stream once" "$(stream_uniq "$port" "$stream")" "$want 0"
}

# What dmarc-consume wrote, for tests that run it: sinks_ids DIR prints
# "ndjson <stream_id>" for every line of DIR/ndjson/*.ndjson and "batch <stream ID>"
# for every row of the batch files under DIR/batch.
sinks_ids() {
	local f
	cat "$1"/ndjson/*.ndjson 2> /dev/null | sed -n 's/.*"stream_id":"\([0-9-]*\)"}$/ndjson \1/p'
	for f in $(find "$1/batch" -name '*.gz' 2> /dev/null); do zcat "$f" | tail -n +2 | cut -f1 | sed 's/^/batch /'; done
}
# sink_counts DIR: "<lines> <distinct>" for the NDJSON sink, then for the batch sink.
sink_counts() {
	local ids s
	ids=$(sinks_ids "$1")
	for s in ndjson batch; do
		echo "$(echo "$ids" | grep -c "^$s ") $(echo "$ids" | grep "^$s " | sort -u | wc -l)"
	done
}
# count_sums PORT PREFIX: the sum of count over {PREFIX}:records, then of {PREFIX}:metric:dmarc_total's values.
count_sums() {
	redis-cli -p "$1" EVAL "local s = 0
		for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
			for i = 1, #e[2], 2 do if e[2][i] == 'count' then s = s + tonumber(e[2][i + 1]) end end
		end
		return s" 1 "{$2}:records"
	redis-cli -p "$1" EVAL "local s = 0 for _, v in ipairs(redis.call('HVALS', KEYS[1])) do s = s + tonumber(v) end return s" \
		1 "{$2}:metric:dmarc_total"
}
# consumed_all DIR PORT PREFIX N: both file sinks hold N entries or more and the counters match the stream.
consumed_all() {
	[ "$(sinks_ids "$1" | grep -c '^ndjson ')" -ge "$4" ] && [ "$(sinks_ids "$1" | grep -c '^batch ')" -ge "$4" ] &&
		[ "$(count_sums "$2" "$3" | sort -u | wc -l)" -eq 1 ]
}

# The single line Postfix logs on a deferral.
one_tempfail_line() {
	[ "$(awk 'END { print NR }' "$1")" -eq 1 ] && grep -q '^4\.3\.0 dmarc-pipe: ' "$1"
}

# syslog_checks SOCKET LOGDIR: send three inputs' lines to a syslog daemon
# listening on SOCKET and configured with a shipped snippet writing to
# LOGDIR; check records.log and dmarc-pipe.log.  Seven test points.
syslog_checks() {
	local sock=$1 dir=$2 i records hostile
	printf 'store = none\nsyslog_socket = %s\nsyslog_ident = dmarc-pipe\n' "$sock" > "$work/syslog-checks.conf"
	"$DMARC_PIPE" -c "$work/syslog-checks.conf" "$top_srcdir/tests/data/hostile-text.xml" \
		"$top_srcdir/tests/data/rfc7489.xml" "$FIXTURES/mail-no-report.eml"
	is "dmarc-pipe exits 0" $? 0
	# The daemon writes asynchronously: wait for the three summaries.
	logged_three() {
		[ "$(grep -c 'event=summary' "$dir/dmarc-pipe.log" 2> /dev/null)" -ge 3 ] &&
			[ "$(wc -l < "$dir/records.log" 2> /dev/null)" -ge 3 ]
	}
	wait_for 10 logged_three || echo "# the syslog daemon had not written the three summaries within 10 s"
	records=$dir/records.log
	is "one line per record in records.log" "$(wc -l < "$records")" 3
	is "every line of it is a record line" "$(grep -c ' event=record rid=' "$records")" 3
	hostile=$(grep 'rid="e873015abdd81d9d7077e9c2ed0ab79d"' "$records")
	is "hostile org_name arrives escaped, on its own line" \
		"$(printf '%s' "$hostile" | grep -c 'org_name="Evil \\"Org\\" \\\\ \\] name\\ninjected=1\\r\\ttab"')" 1
	is "no raw control byte in records.log" "$(LC_ALL=C grep -c '[[:cntrl:]]' "$records")" 0
	is "summaries go to the other file" "$(grep -c 'event=summary' "$dir/dmarc-pipe.log")" 3
	is "the message without a report is logged as rejected" \
		"$(grep -c 'event=summary status=rejected reason="no report found"' "$dir/dmarc-pipe.log")" 1
}
