#!/bin/bash
# dmarc-consume's /metrics scraped by a real Prometheus: dmarc_total as
# PromQL sees it is the sum of count over the stored records, and every
# query of the shipped Grafana dashboard returns data; then hostile HTTP
# clients (slowloris, a 10 MB request line, 1,000 connections) while
# dmarc-pipe keeps writing: consumption goes on.  TAP.  Starts its own
# redis-server and prometheus on loopback, stopped by PID.
. "${srcdir:-.}/tests/lib/common.sh"

command -v redis-server > /dev/null || skip_all "redis-server is not installed (tests/tools/install-deps installs it)"
command -v prometheus > /dev/null || skip_all "prometheus is not installed (tests/tools/install-deps installs it)"
command -v curl > /dev/null || skip_all "curl is not installed (tests/tools/install-deps installs it)"
CONSUME=${DMARC_CONSUME:-$top_builddir/src/dmarc-consume}
sock=$work/r.sock
rcli() { redis-cli -s "$sock" "$@"; }
sum_count() {
	rcli EVAL "local s = 0
		for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
			for i = 1, #e[2], 2 do if e[2][i] == 'count' then s = s + tonumber(e[2][i + 1]) end end
		end
		return s" 1 "{prom}:records"
}
# promql EXPR: the instant query's result count and first value, "N V".
promql() {
	curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
		"${PYTHON3:-python3}" -c 'import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    d = {}	# not up yet
r = d.get("data", {}).get("result", []) if d.get("status") == "success" else []
print(len(r), r[0]["value"][1] if r else "-")'
}

echo "1..8"
redis_start "$sock" || exit 1
pick_ports 2
mport=$port_base pport=$((port_base + 1))
cat > "$work/c.conf" <<EOC
syslog = no
redis_socket = $sock
key_prefix = prom
metrics_listen = 127.0.0.1:$mport
ndjson_dir = $work/ndjson
$SOURCES_CONF
EOC
for f in "$FIXTURES/mail-three-kinds.eml" "$FIXTURES/mail-zip.eml" "$FIXTURES/mail-two-reports.eml" \
	"$FIXTURES/arf-netease.eml" "$FIXTURES/mail-tlsrpt-gzip.eml" "$FIXTURES/bad-pct.xml"; do
	"$DMARC_PIPE" -c "$work/c.conf" < "$f" > /dev/null 2>&1
done
"$CONSUME" -c "$work/c.conf" 2> "$work/consume.err" &
consume_pid=$!
bg_pids="$bg_pids $consume_pid"

cat > "$work/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: dmarc
    static_configs:
      - targets: ['127.0.0.1:$mport']
EOC
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
	--web.listen-address="127.0.0.1:$pport" > "$work/prometheus.log" 2>&1 &
bg_pids="$bg_pids $!"
want=$(sum_count)
promql_total() { [ "$(promql 'sum(dmarc_total)')" = "1 $want" ]; }
wait_for 60 promql_total || echo "# Prometheus did not see the total within 60 s"
is "PromQL sum(dmarc_total) is the sum of count over the stored records" "$(promql 'sum(dmarc_total)')" "1 $want"
# increase() needs two samples in its range: wait for them.
two_samples() {
	local r
	r=$(promql 'min(count_over_time(dmarc_total[5m]))')
	[ "${r%% *}" = 1 ] && [ "${r#1 }" -ge 2 ] 2> /dev/null
}
wait_for 30 two_samples || echo "# Prometheus had not scraped twice within 30 s"

# Every query of the dashboard, its ranges made concrete.
"${PYTHON3:-python3}" -c 'import json, sys
for p in json.load(open(sys.argv[1]))["panels"]:
    for t in p["targets"]:
        print(t["expr"].replace("$__range", "5m").replace("$__rate_interval", "1m"))' \
	"$top_srcdir/contrib/grafana-dmarc-dashboard.json" > "$work/queries"
empty=0
while read -r q; do
	r=$(promql "$q")
	case "$r" in 0\ *) empty=$((empty + 1)); echo "# no data: $q" ;; esac
done < "$work/queries"
is "all $(wc -l < "$work/queries") queries of the Grafana dashboard return data" "$empty" 0

# --- hostile clients while dmarc-pipe writes ------------------------------------
"${PYTHON3:-python3}" - "$mport" > "$work/attack.log" 2>&1 << 'EOP' &
import socket, sys, time
port = int(sys.argv[1])
held = []
def conn():
    s = socket.socket(); s.settimeout(5); s.connect(("127.0.0.1", port)); return s
# 1,000 connections that never finish a request (slowloris), one byte now and then.
for i in range(1000):
    try:
        s = conn(); s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n"); held.append(s)
    except OSError:
        pass
# A 10 MB request line.
try:
    s = conn(); s.sendall(b"GET /" + b"a" * (10 * 1024 * 1024)); held.append(s)
except OSError:
    pass
for r in range(8):
    for s in held:
        try: s.send(b"X")
        except OSError: pass
    time.sleep(1)
print("held", len(held))
EOP
attack=$!
bg_pids="$bg_pids $attack"
# The attack is on once the server holds its connections.
attacked() { [ "$(ss -Htn state established "( dport = :$mport )" | wc -l)" -ge 500 ]; }
wait_for 30 attacked || echo "# fewer than 500 attacking connections after 30 s"
"${PYTHON3:-python3}" "$top_srcdir/tests/tools/make-fixtures" --synthetic 3000 under-attack "$work/more.eml"
"$DMARC_PIPE" -c "$work/c.conf" < "$work/more.eml" > /dev/null 2>&1
is "dmarc-pipe stores during the attack" $? 0
stored=$(( $(rcli XLEN '{prom}:records') + $(rcli XLEN '{prom}:tlsrpt') + $(rcli XLEN '{prom}:failures') ))
# Each sink reads through its own group: they catch up one after the other.
counted() { rcli EVAL "local s = 0 for _, v in ipairs(redis.call('HVALS', KEYS[1])) do s = s + tonumber(v) end return s" 1 '{prom}:metric:dmarc_total'; }
want=$(sum_count)
caught_up() { [ "$(cat "$work"/ndjson/*.ndjson | wc -l)" -eq "$stored" ] && [ "$(counted)" = "$want" ]; }
wait_for 30 caught_up || echo "# dmarc-consume had not caught up within 30 s"
is "dmarc-consume consumes everything during the attack" "$(cat "$work"/ndjson/*.ndjson | wc -l)" "$stored"
is "the metrics counters follow" "$(counted)" "$want"
wait "$attack"
ok "the attacker held its connections to the end ($(cat "$work/attack.log"))" "$(grep -q '^held' "$work/attack.log"; echo $?)"
answers() { [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/metrics")" = 200 ]; }
wait_for 20 answers
is "once the attackers are gone, /metrics answers again" "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/metrics")" 200
kill -0 "$consume_pid"
ok "dmarc-consume is still running" $?
