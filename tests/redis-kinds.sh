#!/bin/bash
# Redis: TLS and failure reports exactly once in their own streams,
# {P}:tlsrpt and {P}:failures, as aggregate reports are in {P}:records.
# TAP.  Starts its own redis-server on a private Unix socket.
. "${srcdir:-.}/tests/lib/common.sh"

command -v redis-server > /dev/null && command -v redis-cli > /dev/null ||
	skip_all "redis-server is not installed (tests/tools/install-deps installs it)"
corpus=${DP_CORPUS:-$top_srcdir/../shared/corpus}

rcli() { redis-cli -s "$work/r.sock" "$@"; }
# conf FILE [key = value lines...]
conf() { { echo "syslog = no"; echo "redis_socket = $work/r.sock"; printf '%s\n' "${@:2}"; } > "$1"; }
xlen() { rcli XLEN "{$1}:$2"; }
# uniq_count PREFIX STREAM: distinct (rid, ord) pairs and duplicates.
uniq_count() { stream_uniq "$work/r.sock" "{$1}:$2"; }
# distinct_records KIND FILE...: distinct (rid, ord) of that kind in the files' dry-run records.
distinct_records() {
	local kind=$1 f
	shift
	for f in "$@"; do "$DMARC_PIPE" --dry-run --ndjson - < "$f" 2> /dev/null; done |
		grep "\"kind\":\"$kind\"" | grep -o '"rid":"[0-9a-f]*","ord":[0-9]*' | sort -u | wc -l
}

echo "1..16"
redis_start "$work/r.sock" || exit 1
conf "$work/fix.conf" "key_prefix = fix"

# --- the project's fixtures, each delivered twice ------------------------------
fixtures="$top_srcdir/tests/data/tlsrpt-rfc.json $top_srcdir/tests/data/tlsrpt-quirks.json
	$FIXTURES/mail-tlsrpt-gzip.eml $FIXTURES/arf-dmarc.eml $FIXTURES/arf-netease.eml
	$FIXTURES/arf-qp-misspelt.eml $FIXTURES/arf-abuse.eml $FIXTURES/mail-three-kinds.eml"
fails=0
dups=0
for f in $fixtures; do
	"$DMARC_PIPE" -c "$work/fix.conf" < "$f" > /dev/null 2>&1 || fails=$((fails + 1))
	"$DMARC_PIPE" -c "$work/fix.conf" -v < "$f" > /dev/null 2> "$work/err" || fails=$((fails + 1))
	grep -q 'event=summary status=duplicate ' "$work/err" || dups=$((dups + 1))
done
is "every delivery exits 0" "$fails" 0
is "every second delivery is a duplicate" "$dups" 0
# shellcheck disable=SC2086
want_tls=$(distinct_records tlsrpt $fixtures)
# shellcheck disable=SC2086
want_failure=$(distinct_records failure $fixtures)
is "TLS records once each in {fix}:tlsrpt" "$(uniq_count fix tlsrpt) $(xlen fix tlsrpt)" "$want_tls 0 $want_tls"
is "failure records once each in {fix}:failures" "$(uniq_count fix failures) $(xlen fix failures)" \
	"$want_failure 0 $want_failure"
is "aggregate records only in {fix}:records" "$(uniq_count fix records)" "2 0"
entry=$(rcli --raw XRANGE '{fix}:tlsrpt' - + COUNT 1 | tr '\n' ' ')
ok "a TLS entry carries rid, ord, kind and the flat fields" \
	"$(case "$entry" in *" rid "*" ord 0 kind tlsrpt records 2 org_name Receiving Provider "*"policy_domain sender.example "*) echo 0 ;; *) echo 1 ;; esac)" "$entry"
entry=$(rcli --raw XRANGE '{fix}:failures' - + COUNT 1 | tr '\n' ' ')
ok "a failure entry carries kind and no local part" \
	"$(case "$entry" in *" kind failure feedback_type auth-failure "*"source_ip 198.51.100.23 "*) case "$entry" in *jane*) echo 1 ;; *) echo 0 ;; esac ;; *) echo 1 ;; esac)" "$entry"

# --- the third-party corpus, when it is beside the tree ------------------------
if [ -d "$corpus/tlsrpt" ] && [ -d "$corpus/forensic" ]; then
	conf "$work/corpus.conf" "key_prefix = corpus"
	fails=0
	for f in "$corpus"/tlsrpt/* "$corpus"/forensic/*; do
		for i in 1 2; do
			"$DMARC_PIPE" -c "$work/corpus.conf" < "$f" > /dev/null 2>&1 || fails=$((fails + 1))
		done
	done
	is "corpus: every delivery exits 0" "$fails" 0
	want_tls=$(distinct_records tlsrpt "$corpus"/tlsrpt/*)
	want_failure=$(distinct_records failure "$corpus"/forensic/*)
	echo "# corpus: $want_tls distinct TLS records, $want_failure distinct failure records"
	is "corpus twice: each TLS record once" "$(uniq_count corpus tlsrpt) $(xlen corpus tlsrpt)" "$want_tls 0 $want_tls"
	is "corpus twice: each failure record once" "$(uniq_count corpus failures) $(xlen corpus failures)" \
		"$want_failure 0 $want_failure"
else
	for i in 1 2 3; do echo "ok $((n + i)) # SKIP no corpus at $corpus"; done
	n=$((n + 3))
fi

# --- a big TLS report: parallel deliveries, then kill -9 part-way ---------------
"${PYTHON3:-python3}" - "$work/big-tls.json" <<'PY'
import json, sys
policies = [{"policy": {"policy-type": "sts", "policy-domain": "d%05d.example" % i, "mx-host": ["mx.d%05d.example" % i]},
             "summary": {"total-successful-session-count": i, "total-failure-session-count": i % 3},
             "failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "192.0.2.%d" % (i % 250),
                                  "failed-session-count": i % 3}] if i % 3 else []}
            for i in range(20000)]
json.dump({"organization-name": "Big TLS Reporter", "report-id": "big-1",
           "date-range": {"start-datetime": "2024-03-10T00:00:00Z", "end-datetime": "2024-03-10T23:59:59Z"},
           "policies": policies}, open(sys.argv[1], "w"))
PY
gzip -k "$work/big-tls.json"
limits="max_tlsrpt_size = 16M
max_tlsrpt_policies = 20000"
conf "$work/par.conf" "key_prefix = par" "$limits"
for i in 1 2 3 4 5 6 7 8; do
	"$DMARC_PIPE" -c "$work/par.conf" < "$work/big-tls.json.gz" > /dev/null 2>&1 &
	ppids[$i]=$!
done
fails=0
for i in 1 2 3 4 5 6 7 8; do wait "${ppids[$i]}" || fails=$((fails + 1)); done
is "8 parallel deliveries of a 20,000-policy TLS report exit 0" "$fails" 0
is "its 20,000 records are in {par}:tlsrpt once each" "$(uniq_count par tlsrpt) $(xlen par tlsrpt)" "20000 0 20000"

conf "$work/kill.conf" "key_prefix = kill" "$limits" "redis_chunk_records = 20"
# kill_past N: deliver, and kill -9 the delivery as soon as the marker is past N records
# but not complete (the JSON is parsed first, then stored: a timed kill would miss).
kill_past() {
	local victim marker next i
	"$DMARC_PIPE" -c "$work/kill.conf" < "$work/big-tls.json.gz" > /dev/null 2>&1 &
	victim=$!
	for i in $(seq 3000); do
		marker=$(rcli --raw KEYS '{kill}:report:*')
		next=$( [ -n "$marker" ] && rcli HGET "$marker" next)
		if [ "${next:-0}" -gt "$1" ] && [ "$next" -lt 20000 ]; then
			kill -9 "$victim" 2> /dev/null
			break
		fi
		kill -0 "$victim" 2> /dev/null || break
	done
	wait "$victim" 2> /dev/null
	marker=$(rcli --raw KEYS '{kill}:report:*')
	rcli HGET "$marker" next
}
first=$(kill_past 0)
second=$(kill_past "${first:-0}")
echo "# killed part-way at $first, then again at $second of 20000 records"
ok "two kills landed while the TLS report was part-written, the second further on" \
	$(( ! (${first:-0} > 0 && ${second:-0} > ${first:-0} && ${second:-0} < 20000) )) "$first, $second"
marker=$(rcli --raw KEYS '{kill}:report:*')
next=$( [ -n "$marker" ] && rcli HGET "$marker" next)
"$DMARC_PIPE" -c "$work/kill.conf" -v < "$work/big-tls.json.gz" > /dev/null 2> "$work/err"
is "redelivery after the kills exits 0" $? 0
new=$(sed -n 's/.*event=report kind=tlsrpt .* new=\([0-9]*\).*/\1/p' "$work/err")
is "it adds exactly what the marker says is missing" "$new" "$((20000 - ${next:-0}))"
is "{kill}:tlsrpt holds the 20,000 records exactly once" "$(uniq_count kill tlsrpt) $(xlen kill tlsrpt)" "20000 0 20000"
