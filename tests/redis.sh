#!/bin/bash
# Redis: every record in the stream exactly once, whatever happens.  TAP.
# Starts its own redis-server instances on private Unix sockets (and one
# loopback port for the replica test) and stops them by PID.
. "${srcdir:-.}/tests/lib/common.sh"

command -v redis-server > /dev/null && command -v redis-cli > /dev/null ||
	skip_all "redis-server is not installed (tests/tools/install-deps installs it)"

# start_redis NAME [redis-server options...]: a server on $work/NAME.sock.
start_redis() {
	local name=$1
	shift
	redis_start "$work/$name.sock" "$@" || return 1
	eval "pid_$name=$redis_pid"
}
stop_redis() {
	local pid
	eval "pid=\$pid_$1"
	kill "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
}
rcli() {
	local name=$1
	shift
	redis-cli -s "$work/$name.sock" "$@"
}
# conf FILE NAME [key = value lines...]: a config for the server NAME.
conf() {
	local file=$1 name=$2
	shift 2
	{
		case " $* " in *" syslog = "*) ;; *) echo "syslog = no" ;; esac
		echo "redis_socket = $work/$name.sock"
		printf '%s\n' "$@"
	} > "$file"
}
xlen() { rcli "$1" XLEN "{${2:-dmarc}}:records"; }
uniq_count() { stream_uniq "$work/$1.sock" "{${2:-dmarc}}:records"; }


# line_is NAME OUTFILE RC WANT: exit 75 and stdout exactly "4.3.0 dmarc-pipe: WANT".
line_is() {
	is "$1" "$3 $(cat "$2")" "75 4.3.0 dmarc-pipe: $4"
}

echo "1..39"
start_redis main || exit 1
conf "$work/main.conf" main
mail=$FIXTURES/mail-zip.eml

# --- store, redeliver --------------------------------------------------------
"$DMARC_PIPE" -c "$work/main.conf" < "$mail" > "$work/out" 2>&1
is "first delivery exits 0" $? 0
is "its 2 records are in the stream" "$(xlen main)" 2
"$DMARC_PIPE" -c "$work/main.conf" -v < "$mail" > /dev/null 2> "$work/err"
is "redelivery exits 0" $? 0
is "redelivery adds nothing" "$(xlen main)" 2
ok "redelivery says status=duplicate" "$(grep -c 'event=summary status=duplicate .* records=0 duplicates=1' "$work/err" | grep -qx 1; echo $?)"

# Syslog record lines only for records newly stored.
conf "$work/syslog.conf" main "syslog = yes" "syslog_facility = local7" "syslog_ident = dmarc-pipe-test" \
	"key_prefix = syslog"
"$DMARC_PIPE" -c "$work/syslog.conf" -v < "$FIXTURES/multi.zip" > /dev/null 2> "$work/err"
is "record lines for new records" "$(grep -c 'event=record ' "$work/err")" 4
"$DMARC_PIPE" -c "$work/syslog.conf" -v < "$FIXTURES/multi.zip" > /dev/null 2> "$work/err"
is "no record lines for a duplicate" "$(grep -c 'event=record ' "$work/err")" 0

# The stream entry carries the flat record fields.
entry=$(rcli main --raw XRANGE '{dmarc}:records' - + COUNT 1 | tr '\n' ' ')
ok "stream entry has rid, ord, kind, records and the flat fields" \
	"$(case "$entry" in *" rid 6293bc5d7c86f2647a17e975cb9fd5e3 ord 0 kind aggregate records 2 org_name Example Receiver "*"dkim_domains sender.example "*) echo 0 ;; *) echo 1 ;; esac)" "$entry"

# --- 8 parallel deliveries of one report --------------------------------------
synthetic 2000 parallel-2000 "$work/parallel.eml"
before=$(xlen main)
for i in 1 2 3 4 5 6 7 8; do
	"$DMARC_PIPE" -c "$work/main.conf" < "$work/parallel.eml" > "$work/par$i.out" 2>&1 &
	ppids[$i]=$!
done
fails=0
for i in 1 2 3 4 5 6 7 8; do wait "${ppids[$i]}" || fails=$((fails + 1)); done
is "8 parallel deliveries all exit 0" "$fails" 0
is "8 parallel deliveries store the report once" "$(( $(xlen main) - before ))" 2000
is "no (rid, ord) twice in the stream" "$(uniq_count main | cut -d' ' -f2)" 0

# Eight deliveries racing chunk by chunk (20 records a transaction): each
# EXEC that lost the race does nothing and its delivery resumes at the
# marker.  Together they add each record once, and their "new=" add up.
conf "$work/race.conf" main "key_prefix = race" "redis_chunk_records = 20"
synthetic 20000 race-20000 "$work/race.eml"
for i in 1 2 3 4 5 6 7 8; do
	"$DMARC_PIPE" -c "$work/race.conf" -v < "$work/race.eml" > /dev/null 2> "$work/race$i.err" &
	ppids[$i]=$!
done
fails=0
for i in 1 2 3 4 5 6 7 8; do wait "${ppids[$i]}" || fails=$((fails + 1)); done
added=$(cat "$work"/race*.err | sed -n 's/.*event=report .* new=\([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
echo "# $(cat "$work"/race*.err | grep -c 'resuming there') times a delivery found the marker moved and resumed there"
is "8 racing deliveries in chunks of 20: all exit 0, their new records add up to 20,000" "$fails $added" "0 20000"
is "and the stream holds each record once" "$(uniq_count main race)" "20000 0"

# A redelivered report is known by its identity before its first record:
# one look-up, no record parsed.  -v shows how many records were seen.
"$DMARC_PIPE" -c "$work/main.conf" -v < "$work/parallel.eml" > /dev/null 2> "$work/err"
ok "redelivery of a stored report is found before its records are parsed" \
	"$(grep -q 'event=report .* records=2000 new=0 duplicate=yes' "$work/err" && grep -q 'event=summary status=duplicate .* duplicates=1' "$work/err"; echo $?)" \
	"$(grep event= "$work/err")"

# --- kill -9 at many points during a 20,000-record report ----------------------
conf "$work/kill.conf" main "key_prefix = kill" "redis_chunk_records = 20"
synthetic 20000 crash-20000 "$work/crash.eml"
# Each kill comes once the report's marker says the run got that far: k
# thirteenths of the records for the k-th, so the kills spread over the report.
stored_to() {	# stored_to N: the report's marker says N records or more are stored
	local m
	m=$(rcli main --raw KEYS '{kill}:report:*')
	[ -n "$m" ] && [ "$(rcli main HGET "$m" next)" -ge "$1" ] 2> /dev/null
}
partial=0
for k in 1 2 3 4 5 6 7 8 9 10 11 12; do
	"$DMARC_PIPE" -c "$work/kill.conf" < "$work/crash.eml" > /dev/null 2>&1 &
	victim=$!
	wait_for 60 stored_to $((20000 * k / 13)) || bail_out "kill $k: the report never got to $((20000 * k / 13)) records"
	kill -9 "$victim" 2> /dev/null
	wait "$victim" 2> /dev/null
	marker=$(rcli main --raw KEYS '{kill}:report:*')
	if [ -n "$marker" ]; then
		next=$(rcli main HGET "$marker" next)
		[ "$next" -gt 0 ] && [ "$next" -lt 20000 ] && partial=$((partial + 1))
	fi
done
echo "# $partial of 12 kills left the report part-written"
ok "kills landed while the report was part-written" $(( partial == 0 ))
# One part-written delivery more, killed halfway through what is missing,
# then a redelivery that starts where the marker is.
next=$(rcli main HGET "$(rcli main --raw KEYS '{kill}:report:*')" next)
"$DMARC_PIPE" -c "$work/kill.conf" < "$work/crash.eml" > /dev/null 2>&1 &
victim=$!
wait_for 60 stored_to $((next + (20000 - next) / 2)) || bail_out "the last kill: the report never got halfway"
kill -9 "$victim" 2> /dev/null
wait "$victim" 2> /dev/null
marker=$(rcli main --raw KEYS '{kill}:report:*')
next=$( [ -n "$marker" ] && rcli main HGET "$marker" next)
"$DMARC_PIPE" -c "$work/kill.conf" -v < "$work/crash.eml" > /dev/null 2> "$work/err"
is "redelivery after the kills exits 0" $? 0
new=$(sed -n 's/.*event=report .* new=\([0-9]*\).*/\1/p' "$work/err")
is "it adds exactly what the marker says is missing" "$new" "$((20000 - ${next:-0}))"
is "the stream holds the 20,000 records exactly once" "$(uniq_count main kill)" "20000 0"
is "and nothing more" "$(xlen main kill)" 20000

# --- Redis away, silent, full, or refusing us ---------------------------------
stop_redis main
"$DMARC_PIPE" -c "$work/main.conf" < "$FIXTURES/reports.tar.gz" > "$work/out" 2> /dev/null
line_is "Redis stopped: exit 75, cannot connect" "$work/out" $? \
	"redis at $work/main.sock: cannot connect: No such file or directory"
start_redis main
"$DMARC_PIPE" -c "$work/main.conf" < "$FIXTURES/reports.tar.gz" > /dev/null 2>&1
is "Redis back: redelivery stores the report" "$(xlen main)" 3

# A listener that accepts and never answers.
"${PYTHON3:-python3}" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(8)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' "$work/silent.sock" &
bg_pids="$bg_pids $!"
wait_for 5 test -S "$work/silent.sock" || bail_out "the silent server did not start"
conf "$work/silent.conf" silent "redis_timeout_ms = 300"
timeout 60 "$DMARC_PIPE" -c "$work/silent.conf" < "$mail" > "$work/out" 2> /dev/null
line_is "silent server: exit 75, timed out" "$work/out" $? \
	"redis at $work/silent.sock: timed out after 300 ms (looking up a report)"

# A server that hangs up at once (CLIENT KILL, a crash).
"${PYTHON3:-python3}" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(8)
while True:
    c, _ = s.accept(); c.close()
' "$work/hangup.sock" &
bg_pids="$bg_pids $!"
wait_for 5 test -S "$work/hangup.sock" || bail_out "the hanging-up server did not start"
conf "$work/hangup.conf" hangup
"$DMARC_PIPE" -c "$work/hangup.conf" < "$mail" > "$work/out" 2> /dev/null
line_is "server hangs up: exit 75, connection closed" "$work/out" $? \
	"redis at $work/hangup.sock: connection closed by the server (looking up a report)"

# All clients paused (CLIENT PAUSE) past the command timeout.
conf "$work/pause.conf" main "redis_timeout_ms = 300" "key_prefix = pause"
rcli main CLIENT PAUSE 3000 ALL > /dev/null
"$DMARC_PIPE" -c "$work/pause.conf" < "$mail" > "$work/out" 2> /dev/null
line_is "CLIENT PAUSE: exit 75, timed out" "$work/out" $? \
	"redis at $work/main.sock: timed out after 300 ms (looking up a report)"
rcli main CLIENT UNPAUSE > /dev/null

conf "$work/oom.conf" main "key_prefix = oom"
rcli main CONFIG SET maxmemory 1 > /dev/null
rcli main CONFIG SET maxmemory-policy noeviction > /dev/null
"$DMARC_PIPE" -c "$work/oom.conf" < "$FIXTURES/mail-two-reports.eml" > "$work/out" 2> /dev/null
line_is "maxmemory exhausted: exit 75, OOM named" "$work/out" $? \
	"redis at $work/main.sock: OOM command not allowed when used memory > 'maxmemory'. (storing a chunk)"
rcli main CONFIG SET maxmemory 0 > /dev/null
"$DMARC_PIPE" -c "$work/oom.conf" < "$FIXTURES/mail-two-reports.eml" > /dev/null 2>&1
is "memory back: redelivery stores both reports once" "$(xlen main oom)" 3

REDISCLI_AUTH=s3cret start_redis auth --requirepass s3cret
conf "$work/badpw.conf" auth "redis_password = wrong"
"$DMARC_PIPE" -c "$work/badpw.conf" < "$mail" > "$work/out" 2> /dev/null
line_is "wrong password: exit 75, WRONGPASS named" "$work/out" $? \
	"redis at $work/auth.sock: WRONGPASS invalid username-password pair or user is disabled. (AUTH)"
# A password required and none configured; the report is large, as the first command once was.
conf "$work/nopw.conf" auth
"$DMARC_PIPE" -c "$work/nopw.conf" < "$work/parallel.eml" > "$work/out" 2> /dev/null
line_is "password required, none configured: exit 75, NOAUTH" "$work/out" $? \
	"redis at $work/auth.sock: NOAUTH: password required, and redis_password is not set (looking up a report)"
REDISCLI_AUTH=s3cret rcli auth ACL SETUSER dmarc on '>pw2' '~{dmarc}:*' '+@all' > /dev/null
conf "$work/acl.conf" auth "redis_username = dmarc" "redis_password = pw2" "redis_db = 3"
"$DMARC_PIPE" -c "$work/acl.conf" < "$mail" > "$work/out" 2>&1
is "ACL user and database 3: stored" "$?/$(REDISCLI_AUTH=s3cret rcli auth -n 3 XLEN '{dmarc}:records')" "0/2"

# A read-only replica.
pick_ports 1
port=$port_base
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --logfile "$work/primary.log" &
bg_pids="$bg_pids $!"
primary_up() { [ "$(redis-cli -p "$port" ping 2> /dev/null)" = PONG ]; }
wait_for 10 primary_up || bail_out "the primary on port $port did not start"
start_redis replica --replicaof 127.0.0.1 "$port"
conf "$work/replica.conf" replica
"$DMARC_PIPE" -c "$work/replica.conf" < "$mail" > "$work/out" 2> /dev/null
line_is "read-only replica: exit 75, READONLY named" "$work/out" $? \
	"redis at $work/replica.sock: READONLY You can't write against a read only replica. (storing a chunk)"
# The primary, over TCP on loopback.
printf 'syslog = no\nredis_host = 127.0.0.1\nredis_port = %s\n' "$port" > "$work/tcp.conf"
"$DMARC_PIPE" -c "$work/tcp.conf" < "$mail" > /dev/null 2>&1
is "redis_host and redis_port: stored over TCP" "$?/$(redis-cli -p "$port" XLEN '{dmarc}:records')" "0/2"

# --- markers, trimming, scripts -------------------------------------------------
marker=$(rcli main --raw KEYS '{dmarc}:report:6293bc5d7c86f2647a17e975cb9fd5e3')
ttl=$(rcli main TTL "$marker")
ok "dedup marker lives dedup_ttl_days (30 days)" $(( ttl <= 2592000 - 120 || ttl > 2592000 )) "ttl=$ttl"
conf "$work/ttl.conf" main "key_prefix = ttl" "dedup_ttl_days = 0"
"$DMARC_PIPE" -c "$work/ttl.conf" < "$mail" > /dev/null 2>&1
is "dedup_ttl_days = 0 keeps the marker forever" "$(rcli main TTL '{ttl}:report:6293bc5d7c86f2647a17e975cb9fd5e3')" -1

conf "$work/trim.conf" main "key_prefix = trim" "stream_maxlen = 100"
synthetic 1000 trim-1000 "$work/trim.eml"
"$DMARC_PIPE" -c "$work/trim.conf" < "$work/trim.eml" > /dev/null 2>&1
len=$(xlen main trim)
ok "stream_maxlen = 100 trims about there" $(( len < 100 || len >= 1000 )) "XLEN $len"

# One transaction per chunk, each record sent once, one WATCH before each chunk.
conf "$work/tx.conf" main "key_prefix = tx" "redis_chunk_records = 20"
rcli main CONFIG RESETSTAT > /dev/null
"$DMARC_PIPE" -c "$work/tx.conf" < "$work/trim.eml" > /dev/null 2>&1
rc=$?
stats=$(rcli main INFO commandstats | tr -d '\r')
calls() { echo "$stats" | grep -F "cmdstat_$1:" | sed 's/.*:calls=\([0-9]*\),.*/\1/'; }
is "1,000 records in chunks of 20: 50 transactions of 20 XADDs, no script" \
	"$rc $(calls xadd) $(calls exec) $(calls watch) $(calls evalsha)$(calls eval)" "0 1000 50 51 "
is "and stored once" "$(uniq_count main tx)" "1000 0"

# Something other than a stream at the stream's key: defer, and move no marker.
rcli main SET '{wrongtype}:records' oops > /dev/null
conf "$work/wrongtype.conf" main "key_prefix = wrongtype"
"$DMARC_PIPE" -c "$work/wrongtype.conf" < "$mail" > "$work/out" 2> /dev/null
line_is "the stream key holds a string: exit 75, named" "$work/out" $? \
	"redis: {wrongtype}:records holds a string, not a stream"
is "and no marker was written" "$(rcli main --raw KEYS '{wrongtype}:report:*')" ""

"$DMARC_PIPE" -c "$work/main.conf" --dry-run --ndjson /dev/null < "$FIXTURES/rfc7489.xml.gz" 2> /dev/null
conf "$work/none.conf" main "key_prefix = dry"
"$DMARC_PIPE" -c "$work/none.conf" --dry-run < "$mail" > /dev/null 2>&1
is "--dry-run writes nothing to Redis" "$(xlen main dry)" 0
