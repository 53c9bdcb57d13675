#!/bin/bash
# The three report kinds side by side: the summary's counts per kind, the
# syslog lines of each kind, and what failure_redact keeps out.  TAP.
. "${srcdir:-.}/tests/lib/common.sh"

echo "1..16"

# One message, three kinds: counted per kind in one summary.
"$DMARC_PIPE" --dry-run --ndjson "$work/three.ndjson" < "$FIXTURES/mail-three-kinds.eml" 2> "$work/err"
summary=$(grep 'event=summary' "$work/err")
ok "summary counts the reports of each kind" \
	"$(case "$summary" in *" reports=3 aggregate=1 tlsrpt=1 failure=1 records=5 "*) echo 0 ;; *) echo 1 ;; esac)" "$summary"
is "every NDJSON record names its kind" "$(grep -o '"kind":"[a-z]*"' "$work/three.ndjson" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" \
	" 2 \"kind\":\"aggregate\"; 1 \"kind\":\"failure\"; 2 \"kind\":\"tlsrpt\";"

# Syslog: one line per record, each kind its own event (-v copies them to stderr).
printf 'syslog = yes\nstore = none\nsyslog_socket = %s\n' "$work/no-syslogd" > "$work/syslog.conf"
"$DMARC_PIPE" -c "$work/syslog.conf" -v < "$FIXTURES/mail-three-kinds.eml" 2> "$work/err"
is "aggregate records log event=record" "$(grep -c 'event=record rid=' "$work/err")" 2
is "TLS records log event=tlsrpt" "$(grep -c 'event=tlsrpt rid=' "$work/err")" 2
is "failure records log event=failure" "$(grep -c 'event=failure rid=' "$work/err")" 1
line=$(grep 'event=tlsrpt rid=.* ord=0 ' "$work/err")
ok "a TLS line carries kind, the policy and its failure details as aligned lists" \
	"$(case "$line" in *'kind="tlsrpt"'*'policy_domain="sender.example"'*'failure_result_types="certificate-expired,starttls-not-supported"'*'failure_reason_codes=",no STARTTLS offered\\x2c a comma\\x2c here"'*) echo 0 ;; *) echo 1 ;; esac)" "$line"

# failure_redact = yes (the default): no local part, no subject, never the body.
"$DMARC_PIPE" --dry-run --ndjson "$work/redacted.ndjson" < "$FIXTURES/arf-dmarc.eml" 2> "$work/err"
is "redacted: no local part in the record" "$(grep -ci 'jane\|bob@\|carol' "$work/redacted.ndjson")" 0
# The reporter in the log is the MTA's name; the record keeps Reporting-MTA whole (RFC 3464: "dns; name").
ok "the log names the reporting MTA without its dns; type" \
	"$(grep -q 'event=report kind=failure .*org_name="mx.receiver.example"' "$work/err" && ! grep -q 'org_name="dns;' "$work/err"; echo $?)" \
	"$(grep -o 'org_name="[^"]*"' "$work/err")"
ok "the record keeps the field as reported" "$(grep -q '"reporting_mta":"dns; mx.receiver.example"' "$work/redacted.ndjson"; echo $?)"
is "redacted: no local part in the syslog line" "$(grep 'event=failure' "$work/err" | grep -ci 'jane\|bob@\|carol')" 0
ok "redacted: smtp.mailfrom keeps its domain only" "$(grep -c '"authentication_results":"[^"]*smtp.mailfrom=@sender.example"' "$work/redacted.ndjson" | grep -qx 1; echo $?)"
ok "redacted: no subject" "$(grep -c '"subject":null' "$work/redacted.ndjson" | grep -qx 1; echo $?)"

# failure_redact = no: the values as reported, still never the body.
printf 'syslog = no\nfailure_redact = no\n' > "$work/keep.conf"
"$DMARC_PIPE" -c "$work/keep.conf" --dry-run --ndjson "$work/kept.ndjson" < "$FIXTURES/arf-dmarc.eml" 2> "$work/err"
ok "not redacted: the subject, decoded" "$(grep -c '"subject":"Quarterly résults"' "$work/kept.ndjson" | grep -qx 1; echo $?)" "$(cat "$work/kept.ndjson")"
ok "not redacted: addresses as reported" \
	"$(grep -c '"original_mail_from":"<bounces+jane.doe@sender.example>","original_rcpt_to":\["<bob@receiver.example>","<carol@receiver.example>"\]' "$work/kept.ndjson" | grep -qx 1; echo $?)"
is "never the reported message's body" "$(cat "$work/redacted.ndjson" "$work/kept.ndjson" | grep -c 'no record may carry')" 0

# Mended text is logged: invalid UTF-8 in a TLS report is replaced, not refused.
printf '{"organization-name":"Bad \xff UTF-8","report-id":"u1","date-range":{"start-datetime":"2024-03-10T00:00:00Z","end-datetime":"2024-03-10T23:59:59Z"},"policies":[{"policy":{"policy-type":"sts","policy-domain":"sender.example"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]}' > "$work/bad-utf8.json"
"$DMARC_PIPE" --dry-run --ndjson "$work/utf8.ndjson" < "$work/bad-utf8.json" 2> "$work/err"
ok "invalid UTF-8: kept with U+FFFD, and the log says so" \
	"$(grep -q '"org_name":"Bad � UTF-8"' "$work/utf8.ndjson" && grep -q 'event=repaired kind=tlsrpt .*1 bytes of invalid UTF-8' "$work/err"; echo $?)" "$(cat "$work/err")"
