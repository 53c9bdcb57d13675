#!/bin/bash
# contrib/prometheus-dmarc-alerts.yml: promtool finds its rules sound, each
# rule has a case in tests/alerts/dmarc-alerts.test.yml, and every case
# passes (tests/prometheus.sh loads the file into a real Prometheus).  TAP.
. "${srcdir:-.}/tests/lib/common.sh"

command -v promtool > /dev/null || skip_all "promtool is not installed (Debian's prometheus package has it)"
rules=$top_srcdir/contrib/prometheus-dmarc-alerts.yml
cases=$top_srcdir/tests/alerts/dmarc-alerts.test.yml
echo "1..3"
promtool check rules "$rules" > "$work/check" 2>&1
ok "promtool check rules" $? "$(tail -3 "$work/check")"
alerts=$(sed -n 's/^ *- alert: *//p' "$rules" | sort)
tested=$(sed -n 's/^ *alertname: *//p' "$cases" | sort -u)
is "every alert has a test case" "$tested" "$alerts"
promtool test rules "$cases" > "$work/test" 2>&1
ok "promtool test rules: every case passes" $? "$(tail -20 "$work/test")"
