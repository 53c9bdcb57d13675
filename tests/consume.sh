#!/bin/bash
# dmarc-consume: the three sinks (metrics counters, TSV batch files, daily
# NDJSON) hold every stored record exactly once, through redelivery,
# kill -9 while dmarc-pipe is writing, and a dead consumer's entries taken
# over by another.  TAP.  Starts its own redis-server on a private socket,
# where both programs are ACL users with exactly the README's rules (and
# dmarc-consume's additions for redis_min_replicas, which it uses here).
. "${srcdir:-.}/tests/lib/common.sh"
server_test "redis-server and dmarc-consume through kills, take-overs and restarts"

command -v redis-server > /dev/null && command -v redis-cli > /dev/null ||
	skip_all "redis-server is not installed (tests/tools/install-deps installs it)"
CONSUME=${DMARC_CONSUME:-$top_builddir/src/dmarc-consume}
sock=$work/r.sock
rcli() { redis-cli -s "$sock" "$@"; }
prefixes="idle fix wait csv park inv kill two take restart"
acl_user dmarc-pipe pipe-password "$prefixes"
acl_user dmarc-consume consume-password "$prefixes" redis_min_replicas
# conf FILE PREFIX [key = value lines...]: dmarc-consume's FILE, as its ACL
# user, and dmarc-pipe's (FILE with .pipe.conf for .conf), as its own.
conf() {
	{
		echo "syslog = no"
		echo "redis_username = dmarc-consume"
		echo "redis_password = consume-password"
		echo "redis_socket = $sock"
		echo "key_prefix = $2"
		# The three sinks on, unless the caller sets them.
		case "$*" in *ndjson_dir*) ;; *) echo "ndjson_dir = $work/$2/ndjson" ;; esac
		case "$*" in *batch_dir*) ;; *) echo "batch_dir = $work/$2/batch" ;; esac
		case "$*" in *metrics_listen*) ;; *) echo "metrics_listen = 127.0.0.1:0" ;; esac
		echo "$SOURCES_CONF"
		printf '%s\n' "${@:3}"
	} > "$1"
	sed "s/^redis_username = .*/redis_username = dmarc-pipe/; s/^redis_password = .*/redis_password = pipe-password/" \
		"$1" > "${1%.conf}.pipe.conf"
}
# Sums done by Redis itself: count over a stream's records, values of a counter hash.
sum_count() {
	rcli EVAL "local s = 0
		for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
			for i = 1, #e[2], 2 do if e[2][i] == 'count' then s = s + tonumber(e[2][i + 1]) end end
		end
		return s" 1 "{$1}:records"
}
sum_hash() { rcli EVAL "local s = 0 for _, v in ipairs(redis.call('HVALS', KEYS[1])) do s = s + tonumber(v) end return s" 1 "$1"; }
# rollup_sums PREFIX: the daily rollups' messages, their sources' messages, dmarc_source_messages_total,
# dmarc_new_sources_total and the authentication domains' messages, as Redis adds them up; stream_sums
# PREFIX: what they must be, from the stream (the sum of count, three times, the distinct header-from
# and address pairs, and count times the DKIM and SPF domains of each record).
rollup_sums() {
	rcli EVAL "local p, m, sm, am = '{' .. ARGV[1] .. '}:', 0, 0, 0
		for _, day in ipairs(redis.call('ZRANGE', p .. 'rollup:days', 0, -1)) do
			for _, d in ipairs(redis.call('SMEMBERS', p .. 'rollup:' .. day)) do
				m = m + tonumber(redis.call('HGET', p .. 'rollup:' .. day .. ':' .. d, 'messages') or 0)
				for _, v in ipairs(redis.call('HVALS', p .. 'rollup:' .. day .. ':' .. d .. ':sources')) do
					sm = sm + tonumber(string.match(v, '^%d+'))
				end
				for _, v in ipairs(redis.call('HVALS', p .. 'rollup:' .. day .. ':' .. d .. ':auth')) do
					am = am + tonumber(v)
				end
			end
		end
		local function total(k)
			local s = 0
			for _, v in ipairs(redis.call('HVALS', k)) do s = s + tonumber(string.match(v, '^%d+')) end
			return s
		end
		local wsm, wam = 0, 0
		for _, w in ipairs(redis.call('ZRANGE', p .. 'rollup:weeks', 0, -1)) do
			for _, d in ipairs(redis.call('SMEMBERS', p .. 'rollup:week:' .. w)) do
				wsm = wsm + total(p .. 'rollup:week:' .. w .. ':' .. d .. ':sources')
				wam = wam + total(p .. 'rollup:week:' .. w .. ':' .. d .. ':auth')
			end
		end
		local function same(daily, weekly) return daily == weekly and daily or daily .. '(weekly:' .. weekly .. ')' end
		return m .. ' ' .. same(sm, wsm) .. ' ' .. total(p .. 'metric:dmarc_source_messages_total') .. ' ' ..
			total(p .. 'metric:dmarc_new_sources_total') .. ' ' .. same(am, wam)" 0 "$1"
}
stream_sums() {
	local s
	s=$(sum_count "$1")
	echo "$s $s $s $(rcli EVAL "local seen, n, am = {}, 0, 0
		local function items(v) local _, commas = string.gsub(v, ',', '') return commas + 1 end
		for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
			local f, from, ip, c, a = e[2], nil, nil, 0, 0
			for i = 1, #f, 2 do
				if f[i] == 'header_from' then from = string.lower(f[i + 1]) elseif f[i] == 'source_ip' then ip = f[i + 1]
				elseif f[i] == 'count' then c = tonumber(f[i + 1])
				elseif f[i] == 'dkim_domains' or f[i] == 'spf_domains' then a = a + items(f[i + 1]) end
			end
			am = am + c * a
			if from and ip and not seen[from .. ' ' .. ip] then seen[from .. ' ' .. ip] = true n = n + 1 end
		end
		return n .. ' ' .. am" 1 "{$1}:records")"
}
# ndjson_ids PREFIX: "<kind> <stream_id>" of every NDJSON line; batch_ids PREFIX: "<stream> <stream_id>" of every row.
ndjson_ids() { cat "$work/$1"/ndjson/*.ndjson 2> /dev/null | sed -n 's/.*"kind":"\([a-z]*\)".*"stream_id":"\([0-9-]*\)"}$/\1 \2/p'; }
batch_ids() {
	local f
	for f in $(find "$work/$1/batch" -name '*.gz' 2> /dev/null); do
		zcat "$f" | tail -n +2 | cut -f1 | sed "s|^|$(basename "$(dirname "$(dirname "$f")")") |"
	done
}

echo "1..58"
redis_start "$sock" "${acl_args[@]}" || exit 1

# --- nothing stored yet: dmarc-consume waits for the first stream, it does not spin ---
# Each turn of a sink without a stream asks XGROUP CREATE of every kind, then
# waits consume_block_ms (200): a few dozen calls a second.  Spinning, 200
# calls took a few milliseconds.
conf "$work/idle.conf" idle "consume_block_ms = 200" "metrics_listen ="
xgroup_calls() { rcli INFO commandstats | sed -n 's/^cmdstat_xgroup|create:calls=\([0-9]*\),.*/\1/p' | grep . || echo 0; }
enough_xgroup_calls() { [ "$(xgroup_calls)" -ge 200 ]; }
rcli CONFIG RESETSTAT > /dev/null
idle_start=$(date +%s%N)
"$CONSUME" -c "$work/idle.conf" 2> "$work/idle.err" &
idle_pid=$!
bg_pids="$bg_pids $idle_pid"
wait_for 60 enough_xgroup_calls || bail_out "dmarc-consume did not ask for its groups: $(tail -3 "$work/idle.err")"
idle_ms=$((($(date +%s%N) - idle_start) / 1000000))
kill "$idle_pid" && wait "$idle_pid"
ok "with no stream yet, a sink waits consume_block_ms between looks (200 XGROUP CREATE took ${idle_ms} ms, want >= 1000)" \
	"$([ "$idle_ms" -ge 1000 ]; echo $?)"

# --- the fixtures: every kind, some reports in several mails ---------------------
conf "$work/fix.conf" fix
mails="$FIXTURES/mail-three-kinds.eml $FIXTURES/mail-zip.eml $FIXTURES/mail-two-reports.eml
	$FIXTURES/arf-dmarc.eml $FIXTURES/arf-netease.eml $FIXTURES/mail-tlsrpt-gzip.eml
	$top_srcdir/tests/data/tlsrpt-quirks.json"
for f in $mails; do "$DMARC_PIPE" -c "$work/fix.pipe.conf" < "$f" > /dev/null 2>&1; done
stored=$(( $(rcli XLEN '{fix}:records') + $(rcli XLEN '{fix}:tlsrpt') + $(rcli XLEN '{fix}:failures') ))
"$CONSUME" -c "$work/fix.conf" --once 2> "$work/err"
ok "--once drains the streams and exits 0" $? "$(tail -3 "$work/err")"
for f in $mails; do "$DMARC_PIPE" --dry-run --ndjson - < "$f" 2> /dev/null; done | sort -u > "$work/want.ndjson"
# The sources stage's fields come after an aggregate record's own, then the stream_id.
sed 's/,"source_rdns":.*,"source_class":"[a-z-]*"//; s/,"stream_id":"[0-9-]*"}$/}/' "$work"/fix/ndjson/*.ndjson |
	sort > "$work/got.ndjson"
ok "the NDJSON lines are dmarc-pipe's records, each once, plus their sources and stream_id" \
	"$(cmp -s "$work/want.ndjson" "$work/got.ndjson"; echo $?)" "$(diff "$work/want.ndjson" "$work/got.ndjson" | head -3)"
is "as many NDJSON lines as stream entries" "$(wc -l < "$work/got.ndjson")" "$stored"
is "as many batch rows as stream entries, none twice" "$(batch_ids fix | sort -u | wc -l) $(batch_ids fix | wc -l)" "$stored $stored"
row=$(zcat "$work"/fix/batch/records/dt=*/records-*.tsv.gz | sed -n 1p | cut -f1-6)
is "a batch file starts with its header" "$row" "$(printf 'stream_id\trid\tord\tkind\trecords\torg_name')"
is "dmarc_total adds up the records' count" "$(sum_hash '{fix}:metric:dmarc_total')" "$(sum_count fix)"
is "TLS rollups: the sessions of every TLS record with a policy domain, once" \
	"$(rcli EVAL "local s = 0
		for _, day in ipairs(redis.call('ZRANGE', '{fix}:tls:days', 0, -1)) do
			for _, d in ipairs(redis.call('SMEMBERS', '{fix}:tls:' .. day)) do
				local h = '{fix}:tls:' .. day .. ':' .. d
				s = s + tonumber(redis.call('HGET', h, 'successful') or 0) + tonumber(redis.call('HGET', h, 'failed') or 0)
			end
		end
		return s" 0)" \
	"$(rcli EVAL "local s = 0
		for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
			local n, ours = 0, false
			for i = 1, #e[2], 2 do
				if e[2][i] == 'successful_sessions' or e[2][i] == 'failed_sessions' then n = n + tonumber(e[2][i + 1])
				elseif e[2][i] == 'policy_domain' then ours = true end
			end
			if ours then s = s + n end
		end
		return s" 1 '{fix}:tlsrpt')"
is "the consumed counter agrees, per group (four sinks)" "$(sum_hash '{fix}:consumed')" "$((4 * stored))"
is "a failure report's reporter label is the MTA's name, without dns;" \
	"$(rcli --raw HKEYS '{fix}:metric:dmarc_failure_reports_total' | grep -o 'reporter="[^"]*"' | sort -u | paste -sd ' ')" \
	'reporter="mx.receiver.example"'
pending=$(for s in records tlsrpt failures; do rcli XPENDING "{fix}:$s" dmarc-consume:batch | head -1; done | sort -u)
is "nothing is left pending" "$pending" 0

# Delivered again and consumed again: nothing changes.
for f in $mails; do "$DMARC_PIPE" -c "$work/fix.pipe.conf" < "$f" > /dev/null 2>&1; done
"$CONSUME" -c "$work/fix.conf" --once 2> /dev/null
is "a second round adds nothing anywhere" \
	"$(cat "$work"/fix/ndjson/*.ndjson | wc -l) $(batch_ids fix | wc -l) $(sum_hash '{fix}:metric:dmarc_total')" \
	"$stored $stored $(sum_count fix)"

# --- refused reports are counted for dmarc_invalid_reports_total ---------------
"$DMARC_PIPE" -c "$work/fix.pipe.conf" < "$FIXTURES/bad-pct.xml" > /dev/null 2>&1
is "dmarc-pipe counts a refused aggregate report in {P}:refused" "$(rcli HGET '{fix}:refused' aggregate)" 1
# ... and one turned away by report_domains under its reason.
sed 's/^report_domains *=.*//' "$work/fix.pipe.conf" > "$work/domains.pipe.conf"
echo "report_domains = example.net" >> "$work/domains.pipe.conf"
"$DMARC_PIPE" -c "$work/domains.pipe.conf" < "$FIXTURES/mail-tlsrpt-json.eml" > /dev/null 2>&1
is "... and one about another domain as tlsrpt/not_our_domain" "$(rcli HGET '{fix}:refused' tlsrpt/not_our_domain)" 1

# --- redis_min_replicas with no replica: consumed once, then a pause ---------------
conf "$work/wait.conf" wait "metrics_listen ="
"$DMARC_PIPE" -c "$work/wait.pipe.conf" < "$FIXTURES/mail-zip.eml" > /dev/null 2>&1
echo "redis_min_replicas = 1" >> "$work/wait.conf"
echo "redis_wait_timeout_ms = 200" >> "$work/wait.conf"
"$CONSUME" -c "$work/wait.conf" --once -v 2> "$work/err"
ok "redis_min_replicas = 1 and no replica: --once exits 75 saying so" \
	"$([ $? -eq 75 ] && grep -q 'reason="redis at .*: 0 of redis_min_replicas = 1 replicas acknowledged within 200 ms (waiting for replicas)"' "$work/err"; echo $?)" \
	"$(tail -2 "$work/err")"
sed -i '/^redis_min_replicas/d' "$work/wait.conf"
"$CONSUME" -c "$work/wait.conf" --once 2> /dev/null
is "what it acknowledged is not written again" "$(cat "$work"/wait/ndjson/*.ndjson | wc -l)" "$(rcli XLEN '{wait}:records')"

# --- /metrics over HTTP -----------------------------------------------------------
pick_ports 1
port=$port_base
conf "$work/http.conf" fix "metrics_listen = 127.0.0.1:$port"
"$CONSUME" -c "$work/http.conf" 2> "$work/http.err" &
c=$!
bg_pids="$bg_pids $c"
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$port/metrics" || bail_out "/metrics did not answer on port $port"
curl -s -D "$work/headers" "http://127.0.0.1:$port/metrics" > "$work/metrics"
ok "GET /metrics answers in the text format 0.0.4" "$(grep -qi '^content-type: text/plain; version=0.0.4' "$work/headers"; echo $?)"
total=$(awk '/^dmarc_total\{/ { s += $NF } END { print s + 0 }' "$work/metrics")
is "its dmarc_total lines add up to the records' count" "$total" "$(sum_count fix)"
ok "it serves dmarc_invalid_reports_total by kind and reason" \
	"$(grep -q '^dmarc_invalid_reports_total{kind="aggregate",reason="broken"} 1$' "$work/metrics" &&
	   grep -q '^dmarc_invalid_reports_total{kind="tlsrpt",reason="not_our_domain"} 1$' "$work/metrics"; echo $?)" \
	"$(grep dmarc_invalid_reports_total "$work/metrics")"
ok "one HELP and one TYPE per metric" "$(grep '^# TYPE' "$work/metrics" | sort | uniq -d | grep -q .; [ $? -ne 0 ]; echo $?)"
is "anything else is 404" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/other")" 404
kill -TERM "$c"
wait "$c"
is "SIGTERM: exit 0" $? 0

# --- CSV batch files load into the shipped SQLite table -------------------------
if command -v sqlite3 > /dev/null; then
	conf "$work/csv.conf" csv "batch_format = csv" "ndjson_dir =" "metrics_listen ="
	for f in $mails; do "$DMARC_PIPE" -c "$work/csv.pipe.conf" < "$f" > /dev/null 2>&1; done
	"$CONSUME" -c "$work/csv.conf" --once 2> /dev/null
	sqlite3 "$work/dmarc.db" < "$top_srcdir/contrib/sqlite-dmarc-records.sql"
	for f in "$work"/csv/batch/records/dt=*/records-*.csv.gz; do
		zcat "$f" > "$work/batch.csv"
		sqlite3 "$work/dmarc.db" ".import --csv --skip 1 $work/batch.csv dmarc_records"
	done
	is "contrib/sqlite-dmarc-records.sql: every row loads" \
		"$(sqlite3 "$work/dmarc.db" 'SELECT count(*), sum(count) FROM dmarc_records')" \
		"$(rcli XLEN '{csv}:records')|$(sum_count csv)"
	is "... every column of the batch file is one of the table's, in its place to the last" \
		"$(sqlite3 "$work/dmarc.db" "SELECT DISTINCT mail_auth || ' ' || mail_from_domain || ' ' || source_rdns_confirmed || ' ' ||
			(source_class IN ('pass', 'forwarded', 'approved-fail', 'service-fail', 'unknown-fail')) FROM dmarc_records")" \
		"unchecked receiver.example off 1"
	is "a comma inside a list item survives the CSV" \
		"$(sqlite3 "$work/dmarc.db" "SELECT reason_comments FROM dmarc_records WHERE reason_comments LIKE 'mailing%'")" \
		'mailing list\x2c probably,'
else
	echo "ok $((n + 1)) # SKIP sqlite3 is not installed (tests/tools/install-deps installs it)"
	echo "ok $((n + 2)) # SKIP sqlite3 is not installed"
	echo "ok $((n + 3)) # SKIP sqlite3 is not installed"
	n=$((n + 3))
fi

# --- trimming: only what every group has consumed, only once old enough -------
before=$(rcli XLEN '{fix}:records')
"$CONSUME" -c "$work/fix.conf" --once 2> /dev/null
is "retain_days = 7: entries consumed a moment ago stay" "$(rcli XLEN '{fix}:records')" "$before"
rcli XGROUP CREATE '{fix}:records' siem 0 > /dev/null	# someone else's group, far behind
conf "$work/trim.conf" fix "retain_days = 0"
"$CONSUME" -c "$work/trim.conf" --once 2> /dev/null
is "retain_days = 0: a group that has read nothing keeps every entry" "$(rcli XLEN '{fix}:records')" "$before"
rcli XGROUP DESTROY '{fix}:records' siem > /dev/null
"$CONSUME" -c "$work/trim.conf" --once 2> /dev/null
is "once every group has consumed them, all but the last delivered go" "$(rcli XLEN '{fix}:records') $(rcli XLEN '{fix}:tlsrpt') $(rcli XLEN '{fix}:failures')" "1 1 1"

# --- an entry delivered max_deliveries times is parked, not retried forever -----
conf "$work/park.conf" park "metrics_listen =" "batch_dir =" "max_deliveries = 5"
"$DMARC_PIPE" -c "$work/park.pipe.conf" < "$FIXTURES/mail-zip.eml" > /dev/null 2>&1
rcli XGROUP CREATE '{park}:records' dmarc-consume:ndjson 0 > /dev/null
poison=$(rcli --raw XREADGROUP GROUP dmarc-consume:ndjson ghost COUNT 1 STREAMS '{park}:records' '>' | sed -n 2p)
# As if a consumer had died on it five times: long idle, five deliveries.
rcli XCLAIM '{park}:records' dmarc-consume:ndjson ghost 0 "$poison" IDLE 1000000 RETRYCOUNT 5 JUSTID > /dev/null
"$CONSUME" -c "$work/park.conf" --once -v 2> "$work/err"
ok "it is logged as parked" "$(grep -q "event=parked stream={park}:records group=dmarc-consume:ndjson id=$poison deliveries=5 " "$work/err"; echo $?)" \
	"$(grep parked "$work/err")"
is "copied to {P}:parked with where it came from" \
	"$(rcli --raw XRANGE '{park}:parked' - + | sed -n '3p;5p;7p' | paste -sd ' ')" "{park}:records dmarc-consume:ndjson $poison"
is "and the other entries are consumed, the parked one not" \
	"$(cat "$work"/park/ndjson/*.ndjson | wc -l) $(grep -c "\"stream_id\":\"$poison\"" "$work"/park/ndjson/*.ndjson)" \
	"$(( $(rcli XLEN '{park}:records') - 1 )) 0"

# --- entries that are no records are parked, counted, and reach no sink ------------
conf "$work/inv.conf" inv "metrics_listen ="
"$DMARC_PIPE" -c "$work/inv.pipe.conf" < "$FIXTURES/mail-zip.eml" > /dev/null 2>&1
valid=$(rcli XLEN '{inv}:records')
# Made by hand, as an operator or an intruder could: one valid (control characters are text).
rcli XADD '{inv}:records' '*' rid zz ord x kind aggregate count abc > /dev/null
rcli XADD '{inv}:records' '*' foo bar > /dev/null
rcli XADD '{inv}:records' '*' rid 0123456789abcdef0123456789abcdef ord 0 kind aggregate \
	count 99999999999999999999999 org_name "$(printf 'ctl\001\033[31m\tx')" > /dev/null
rcli XADD '{inv}:records' '*' rid 0123456789abcdef0123456789abcdef ord 1 kind aggregate \
	count 5 org_name "$(printf 'ctl\001\033[31m\t"quoted",\\')" > /dev/null
valid=$((valid + 1))
"$CONSUME" -c "$work/inv.conf" --once -v 2> "$work/err"
ok "three entries that are no records: --once exits 0" $? "$(tail -2 "$work/err")"
is "each parked once, with its reason" \
	"$(rcli --raw XRANGE '{inv}:parked' - + | awk 'p == "reason" { print } { p = $0 }' | sort | paste -sd '|')" \
	"bad number: count|bad rid|no rid"
is "counted by stream and reason" "$(rcli --raw HGETALL '{inv}:invalid' | paste -d ' ' - - | sort | paste -sd '|')" \
	'stream="records",reason="bad number" 1|stream="records",reason="bad rid" 1|stream="records",reason="no rid" 1'
is "logged once each" "$(grep -c 'event=invalid stream={inv}:records ' "$work/err")" 3
is "no sink saw them: NDJSON lines and batch rows are the valid entries" \
	"$(cat "$work"/inv/ndjson/*.ndjson | wc -l) $(batch_ids inv | wc -l) $(rcli XPENDING '{inv}:records' dmarc-consume:ndjson | head -1)" \
	"$valid $valid 0"
# Every line parses as JSON; every row has its header's columns.
bad_lines=$(cat "$work"/inv/ndjson/*.ndjson "$work"/fix/ndjson/*.ndjson | "${PYTHON3:-python3}" -c '
import json, sys
bad = 0
for line in sys.stdin.buffer:
    try:
        json.loads(line)
    except ValueError:
        bad += 1
print(bad)')
bad_rows=$(for f in $(find "$work/inv/batch" "$work/fix/batch" -name '*.gz'); do
	zcat "$f" | awk -F '\t' 'NR == 1 { n = NF } NF != n { bad++ } END { print bad + 0 }'
done | awk '{ s += $1 } END { print s + 0 }')
is "every NDJSON line parses as JSON, every batch row has the header's column count" "$bad_lines $bad_rows" "0 0"

# --- kill -9 while dmarc-pipe is writing, restarts in between -------------------
synthetic 20000 consume-20000 "$work/big.eml"
conf "$work/kill.conf" kill "consumer_name = steady" "consume_count = 300" "batch_records = 1000" \
	"redis_chunk_records = 200"
"$DMARC_PIPE" -c "$work/kill.pipe.conf" < "$work/big.eml" > /dev/null 2>&1 &
pipe_pid=$!
bg_pids="$bg_pids $pipe_pid"
# Each kill comes once the consumer has done something since it started
# (written NDJSON lines, and on every other round also opened a batch), or
# once there is nothing left to do: all 20,000 written.
kills=0
progressed() {
	local lines
	lines=$(ndjson_ids kill | wc -l)
	[ "$lines" -ge 20000 ] && return 0
	[ "$lines" -gt "$1" ] &&
		{ [ $(($2 % 2)) -eq 0 ] || [ "$(rcli XPENDING '{kill}:records' dmarc-consume:batch 2> /dev/null | head -1)" -gt 0 ] 2> /dev/null; }
}
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	before=$(ndjson_ids kill | wc -l)
	"$CONSUME" -c "$work/kill.conf" 2> /dev/null &
	c=$!
	wait_for 60 progressed "$before" "$i" || bail_out "kill round $i: no progress in 60 s ($before lines before)"
	kill -9 "$c" 2> /dev/null && kills=$((kills + 1))
	wait "$c" 2> /dev/null
done
wait "$pipe_pid"
is "dmarc-pipe stored the 20,000 records meanwhile" "$(rcli XLEN '{kill}:records')" 20000
"$CONSUME" -c "$work/kill.conf" --once 2> "$work/err"
ok "after $kills kills, --once finishes the job" $? "$(tail -3 "$work/err")"
is "NDJSON: 20,000 lines, 20,000 distinct" "$(ndjson_ids kill | wc -l) $(ndjson_ids kill | sort -u | wc -l)" "20000 20000"
is "batch files: 20,000 rows, 20,000 distinct" "$(batch_ids kill | wc -l) $(batch_ids kill | sort -u | wc -l)" "20000 20000"
is "metrics: dmarc_total is the sum of count" "$(sum_hash '{kill}:metric:dmarc_total')" "$(sum_count kill)"
is "rollups: messages per day, per source and by class are the sum of count; one new source per address" \
	"$(rollup_sums kill)" "$(stream_sums kill)"
ok "no temporary batch file is left behind" "$(find "$work/kill/batch" -name '*.tmp' | grep -q .; [ $? -ne 0 ]; echo $?)"

# --- two instances in one group share the work -------------------------------
conf "$work/two.conf" two "consume_count = 200" "batch_records = 2000" "batch_seconds = 1"
"$DMARC_PIPE" -c "$work/two.pipe.conf" < "$work/big.eml" > /dev/null 2>&1 &
pipe_pid=$!
bg_pids="$bg_pids $pipe_pid"
"$CONSUME" -c "$work/two.conf" -v 2> "$work/a.err" &
a=$!
"$CONSUME" -c "$work/two.conf" -v 2> "$work/b.err" &
b=$!
bg_pids="$bg_pids $a $b"
wait "$pipe_pid"
# Each sink reads through its own group: they catch up one after the other.
want=$(sum_count two)
two_done() {
	[ "$(ndjson_ids two | wc -l)" -ge 20000 ] && [ "$(batch_ids two | wc -l)" -ge 20000 ] &&
		[ "$(sum_hash '{two}:metric:dmarc_total')" = "$want" ]
}
wait_for 120 two_done || echo "# two instances: not done within 120 s"
kill -TERM "$a" "$b"
wait "$a"
ra=$?
wait "$b"
is "two instances: both stop on SIGTERM with 0" "$ra $?" "0 0"
ok "both wrote batch files" "$(grep -q 'event=batch ' "$work/a.err" && grep -q 'event=batch ' "$work/b.err"; echo $?)" \
	"$(grep -c 'event=batch ' "$work/a.err") and $(grep -c 'event=batch ' "$work/b.err")"
is "and every sink holds the 20,000 records once" \
	"$(ndjson_ids two | sort -u | wc -l) $(ndjson_ids two | wc -l) $(batch_ids two | sort -u | wc -l) $(batch_ids two | wc -l) $(sum_hash '{two}:metric:dmarc_total')" \
	"20000 20000 20000 20000 $(sum_count two)"

# --- a dead consumer's pending entries are taken over ---------------------------
conf "$work/take.conf" take "consume_count = 100" "batch_records = 5000" "batch_seconds = 1" \
	"claim_idle_seconds = 32" "consumer_name = first"
"$DMARC_PIPE" -c "$work/take.pipe.conf" < "$work/big.eml" > /dev/null 2>&1
"$CONSUME" -c "$work/take.conf" 2> /dev/null &
c=$!
batch_open() { [ "$(rcli XPENDING '{take}:records' dmarc-consume:batch | head -1)" -gt 0 ] 2> /dev/null; }
wait_for 60 batch_open || bail_out "the first consumer opened no batch in 60 s"
kill -9 "$c"
wait "$c" 2> /dev/null
left=$(( $(rcli XPENDING '{take}:records' dmarc-consume:batch | head -1) + $(rcli XPENDING '{take}:records' dmarc-consume:ndjson | head -1) ))
sed -i 's/consumer_name = first/consumer_name = second/' "$work/take.conf"
# Only once they have been idle claim_idle_seconds (32) are the entries
# someone else's to take: wait until every one the first consumer left is.
idle_enough() {
	local g all idle
	for g in batch ndjson; do
		all=$(rcli XPENDING '{take}:records' "dmarc-consume:$g" - + 100000 first | wc -l)
		idle=$(rcli XPENDING '{take}:records' "dmarc-consume:$g" IDLE 32000 - + 100000 first | wc -l)
		[ "$idle" -eq "$all" ] || return 1
	done
}
wait_for 60 idle_enough || bail_out "the dead consumer's entries never became 32 s idle"
"$CONSUME" -c "$work/take.conf" --once -v 2> "$work/err"
ok "the second consumer ran (first left $left entries pending)" $? "$(tail -3 "$work/err")"
ok "it took them over" "$(grep -q 'event=claim .*from="first"' "$work/err"; echo $?)" "$(grep claim "$work/err" | head -2)"
ok "then the dead consumer is forgotten" "$(rcli XINFO CONSUMERS '{take}:records' dmarc-consume:batch | grep -qx first; [ $? -ne 0 ]; echo $?)"
is "and every sink holds the 20,000 records once" \
	"$(ndjson_ids take | sort -u | wc -l) $(ndjson_ids take | wc -l) $(batch_ids take | sort -u | wc -l) $(batch_ids take | wc -l) $(sum_hash '{take}:metric:dmarc_total')" \
	"20000 20000 20000 20000 $(sum_count take)"

is "no command refused by the README's rules (ACL LOG)" "$(acl_refusals "$sock" | tr '\n' ' ')" ""

# --- Redis killed and restarted while batches are open ---------------------------
# With appendfsync always, a killed server comes back with everything it
# answered: the consumer's pending entries and positions return with it,
# and the consumer carries on where it was.  (With everysec, Redis may
# answer before it has even written, while an fsync is slow: a kill then
# loses acknowledgements, and the files can repeat entries; see
# dmarc-consume(8).)
sock=$work/aof.sock	# from here on, rcli, conf and the sums use this server
mkdir -p "$work/aof"
aof_start() { redis_start "$sock" --dir "$work/aof" --appendonly yes --appendfsync always "${acl_args[@]}"; }
aof_start || exit 1
conf "$work/restart.conf" restart "consumer_name = steady" "consume_count = 100" \
	"batch_records = 3000" "batch_seconds = 5"
"$DMARC_PIPE" -c "$work/restart.pipe.conf" < "$work/big.eml" > /dev/null 2>&1
"$CONSUME" -c "$work/restart.conf" -v 2> "$work/restart.err" &
c=$!
bg_pids="$bg_pids $c"
restarts=0
lines=0
# ndjson_errors: the outages the NDJSON sink has logged (once per outage: it logs again only after recovering).
ndjson_errors() { grep -c 'event=error sink=ndjson ' "$work/restart.err"; }
# Progress since the last restart and an open batch (entries read, not yet acknowledged).
mid_batch() {
	[ "$(cat "$work"/restart/ndjson/*.ndjson 2> /dev/null | wc -l)" -gt $((lines + 500)) ] &&
		[ "$(rcli XPENDING '{restart}:records' dmarc-consume:batch 2> /dev/null | head -1)" -gt 0 ] 2> /dev/null
}
for i in 1 2 3 4; do
	# Every sink consuming again, mid-batch: then kill, and restart once the outage is logged.
	wait_for 120 mid_batch || bail_out "restart $i: no progress in 120 s since the last restart"
	lines=$(cat "$work"/restart/ndjson/*.ndjson | wc -l)
	errors=$(ndjson_errors)
	kill -9 "$redis_pid"
	wait "$redis_pid" 2> /dev/null
	bg_pids=${bg_pids/ $redis_pid/}
	wait_for 60 eval '[ "$(ndjson_errors)" -gt "$errors" ]' || bail_out "restart $i: the outage was never logged"
	aof_start || exit 1
	restarts=$((restarts + 1))
done
want=$(sum_count restart)
restart_done() {
	[ "$(ndjson_ids restart | wc -l)" -ge 20000 ] && [ "$(batch_ids restart | wc -l)" -ge 20000 ] &&
		[ "$(sum_hash '{restart}:metric:dmarc_total')" = "$want" ] &&
		[ "$(rollup_sums restart | cut -d' ' -f1)" = "$want" ] &&
		[ "$(grep -c 'event=recovered sink=ndjson ' "$work/restart.err")" -ge "$restarts" ]
}
wait_for 120 restart_done || echo "# not every sink caught up within 120 s"
kill -TERM "$c"
wait "$c"
is "Redis killed and restarted $restarts times mid-batch: the consumer stops on SIGTERM with 0" $? 0
ok "it logged losing Redis each time, and recovering, and carried on" \
	"$([ "$(ndjson_errors)" -ge "$restarts" ] && [ "$(grep -c 'event=recovered sink=ndjson ' "$work/restart.err")" -ge "$restarts" ]; echo $?)" \
	"$(grep 'event=error\|event=recovered' "$work/restart.err" | tail -4)"
is "every sink holds the 20,000 records once" \
	"$(ndjson_ids restart | sort -u | wc -l) $(ndjson_ids restart | wc -l) $(batch_ids restart | sort -u | wc -l) $(batch_ids restart | wc -l) $(sum_hash '{restart}:metric:dmarc_total')" \
	"20000 20000 20000 20000 $want"
is "rollups through the restarts: every record once, one new source per address" "$(rollup_sums restart)" \
	"$(stream_sums restart)"
pending=$(for g in metrics sources batch ndjson; do rcli XPENDING '{restart}:records' "dmarc-consume:$g" | head -1; done | sort -u)
is "nothing is left pending" "$pending" 0
is "no command refused by the README's rules after the restarts either (ACL LOG)" "$(acl_refusals "$sock" | tr '\n' ' ')" ""
