#!/bin/bash
# dmarc-consume's /metrics scraped by a real Prometheus: dmarc_total as
# PromQL sees it is the sum of count over the stored records, and every
# query of the shipped Grafana dashboard returns data; then hostile HTTP
# clients (slowloris, a 10 MB request line, 1,000 connections) while
# dmarc-pipe keeps writing: consumption goes on; then the shipped alert
# rules, loaded as the file is, go off on reports that flowed through
# dmarc-pipe.  TAP.  Starts its own redis-server and prometheus on
# loopback, stopped by PID.
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

echo "1..10"
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
rule_files:
  - $top_srcdir/contrib/prometheus-dmarc-alerts.yml
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
    for t in p.get("targets", []):
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

# --- the shipped alert rules, on reports that flow through dmarc-pipe ---------------
# Each rule looks at an increase (or a change) over time: the first reports make
# the series, those after them the increase.  report ORG ID BEGIN END FROM IP COUNT:
# one failing record.
report() {
	cat << EOX
<?xml version="1.0"?>
<feedback><report_metadata><org_name>$1</org_name><email>r@receiver.test</email><report_id>$2</report_id>
<date_range><begin>$3</begin><end>$4</end></date_range></report_metadata>
<policy_published><domain>$5</domain><p>none</p></policy_published>
<record><row><source_ip>$6</source_ip><count>$7</count><policy_evaluated><disposition>none</disposition>
<dkim>fail</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>$5</header_from></identifiers>
<auth_results><spf><domain>$5</domain><result>fail</result></spf></auth_results></record></feedback>
EOX
}
tls() {	# tls ID SUCCESSFUL FAILED
	cat << EOJ
{"organization-name": "TLS Receiver", "date-range": {"start-datetime": "2024-03-10T00:00:00Z",
 "end-datetime": "2024-03-10T23:59:59Z"}, "contact-info": "t@receiver.test", "report-id": "$1",
 "policies": [{"policy": {"policy-type": "sts", "policy-domain": "alerts.example"},
  "summary": {"total-successful-session-count": $2, "total-failure-session-count": $3},
  "failure-details": [{"result-type": "certificate-expired", "failed-session-count": $3}]}]}
EOJ
}
feed() { "$DMARC_PIPE" -c "$work/c.conf" > /dev/null 2>&1; }
now=$(date +%s)
report "Example Receiver" a-1 1709251200 1709337599 alerts.example 203.0.113.5 1 | feed
report "Silent Receiver" s-1 $((now - 6 * 86400)) $((now - 5 * 86400)) alerts.example 203.0.113.5 1 | feed
tls t-1 100 1 | feed
# A group nobody reads: it falls behind by every entry of the stream.
rcli XGROUP CREATE '{prom}:records' stale 0 > /dev/null
seen_first() {
	[ "$(promql 'dmarc_total{from_domain="alerts.example"}')" != "0 -" ] &&
		[ "$(promql 'tlsrpt_sessions_total{policy_domain="alerts.example",outcome="failed"}')" != "0 -" ] &&
		[ "$(promql 'dmarc_reporter_last_report_timestamp_seconds{reporter="Silent Receiver"}')" != "0 -" ]
}
wait_for 60 seen_first || echo "# Prometheus did not see the first reports' series within 60 s"
# Then what each rule is about: 150 failing messages from a new address, a reporter's
# newer report still four days old, half the TLS sessions failing, a dozen broken
# reports, and 10,000 more records the stale group never reads.
report "Example Receiver" a-2 1709251200 1709337599 alerts.example 203.0.113.6 150 | feed
report "Silent Receiver" s-2 $((now - 5 * 86400)) $((now - 4 * 86400)) alerts.example 203.0.113.5 1 | feed
tls t-2 50 50 | feed
for i in $(seq 12); do echo "<feedback><report_metadata>broken $i" | feed; done
"${PYTHON3:-python3}" "$top_srcdir/tests/tools/make-fixtures" --synthetic 10000 alert-lag "$work/lag.eml"
feed < "$work/lag.eml"
# alerts STATE: the names of the alerts in that state, sorted.
alerts() {
	curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=ALERTS{alertstate=\"$1\"}" |
		"${PYTHON3:-python3}" -c 'import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
except (ValueError, KeyError):
    r = []
print(" ".join(sorted({x["metric"]["alertname"] for x in r})))'
}
firing_want="DMARCComplianceLow DMARCNewUnknownSource DMARCRefusedReportsRising DMARCReporterSilent TLSRPTSessionsFailing"
all_fired() { [ "$(alerts firing)" = "$firing_want" ] && [ "$(alerts pending)" = DMARCConsumerLag ]; }
wait_for 90 all_fired || echo "# not every alert went off within 90 s"
is "the shipped alert rules fire on reports through dmarc-pipe" "$(alerts firing)" "$firing_want"
is "... and the lag rule is pending (it waits 30 minutes; tests/alerts.sh runs it to the end)" "$(alerts pending)" \
	DMARCConsumerLag
