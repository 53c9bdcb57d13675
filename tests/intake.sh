#!/bin/bash
# Intake: only reports about report_domains, and only from mail our MTA
# authenticated (authserv_id, report_auth); what is refused is logged,
# counted by reason in Redis and quarantined, and exits 0.  TAP.  Starts
# its own redis-server on a private Unix socket and stops it by PID.
. "${srcdir:-.}/tests/lib/common.sh"

command -v redis-server > /dev/null && command -v redis-cli > /dev/null ||
	skip_all "redis-server is not installed (tests/tools/install-deps installs it)"

echo "1..23"
redis_start "$work/redis.sock" || bail_out "redis-server did not start"
rcli() { redis-cli -s "$work/redis.sock" "$@"; }
case_n=0
# run SETTINGS... < MAIL: a fresh key prefix and quarantine, one delivery; rc, log in $work/err, prefix in $p.
run() {
	case_n=$((case_n + 1)) p=t$case_n
	mkdir -p "$work/q$case_n"
	{
		echo "syslog = no"
		echo "redis_socket = $work/redis.sock"
		echo "key_prefix = $p"
		echo "quarantine_dir = $work/q$case_n"
		printf '%s\n' "$@"
	} > "$work/$case_n.conf"
	"$DMARC_PIPE" -c "$work/$case_n.conf" -v > "$work/out" 2> "$work/err"
	rc=$?
}
xlen() { rcli XLEN "{$p}:${1:-records}"; }
quarantined() { ls "$work/q$case_n" | wc -l; }
refused() { rcli HGET "{$p}:refused" "$1"; }
field() { rcli XRANGE "{$p}:${2:-records}" - + COUNT 1 | grep -A1 -x "$1" | tail -1; }

# 1. report_domains.
run "report_domains = example.net, SENDER.example." < "$FIXTURES/mail-zip.eml"
ok "a report about a subdomain-or-equal of report_domains (any case, trailing dot) is stored" \
	$(( rc != 0 || $(xlen) < 1 || $(quarantined) != 0 )) "rc=$rc $(grep event= "$work/err")"
run "report_domains = der.example, example.net" < "$FIXTURES/mail-zip.eml"
ok "a report about another domain: exit 0, nothing stored" $(( rc != 0 || $(xlen) != 0 ))
ok "... event=refused with the reason and the domain" \
	"$(grep -q 'event=refused kind=aggregate .*reason="not one of report_domains" domain="sender.example"' "$work/err"; echo $?)"
is "... counted in {P}:refused by kind and reason" "$(refused aggregate/not_our_domain)" 1
is "... quarantined" "$(quarantined)" 1

sed '0,/<header_from>sender.example</s//<header_from>bank.example</' "$top_srcdir/tests/data/rfc7489.xml" > "$work/foreign-from.xml"
run "report_domains = sender.example" < "$work/foreign-from.xml"
ok "an aggregate report about us with a record from another header_from is refused whole" \
	$(( rc != 0 || $(xlen) != 0 || ! $(grep -c 'reason="not one of report_domains" domain="bank.example"' "$work/err") ))

"${PYTHON3:-python3}" - "$top_srcdir/tests/data/tlsrpt-rfc.json" "$work/two-domains.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["policies"][1]["policy"]["policy-domain"] = "other.example"
json.dump(r, open(sys.argv[2], "w"))
PY
run "report_domains = sender.example" < "$work/two-domains.json"
ok "a TLS report keeps the policies about our domains and drops the others" \
	$(( rc != 0 || $(xlen tlsrpt) != 1 || ! $(grep -c 'event=dropped kind=tlsrpt .*records=1 reason="not one of report_domains"' "$work/err") ))
is "... the kept one is about our domain" "$(field policy_domain tlsrpt)" sender.example
run "report_domains = example.net" < "$work/two-domains.json"
is "a TLS report with no policy about us is refused" "$(xlen tlsrpt) $(refused tlsrpt/not_our_domain)" "0 1"

run "report_domains = sender.example" < "$FIXTURES/arf-dmarc.eml"
ok "a failure report about our Reported-Domain is stored" $(( rc != 0 || $(xlen failures) != 1 ))
run "report_domains = example.net" < "$FIXTURES/arf-dmarc.eml"
is "a failure report about another is refused, counted, quarantined" \
	"$(xlen failures) $(refused failure/not_our_domain) $(quarantined)" "0 1 1"

# 2. authserv_id: which Authentication-Results count.
# mail HEADER-LINES...: mail-zip.eml with these fields on top, as our MTA's milters put them.
mail() { { printf '%s\n' "$@"; cat "$FIXTURES/mail-zip.eml"; } > "$work/mail.eml"; }
received='Received: from mx.receiver.example (mx.receiver.example [192.0.2.1]) by mx.example.com (Postfix) with ESMTPS id 4AbC; Thu, 3 Dec 2026 16:00:00 +0000'
auth() { run "authserv_id = mx.example.com" < "$work/mail.eml"; got=$(field mail_auth); }

mail "Authentication-Results: mx.example.com; dkim=pass header.d=receiver.example header.s=s1; spf=pass smtp.mailfrom=receiver.example" \
     "Authentication-Results: mx.example.com/1234; dmarc=pass (p=reject dis=none) header.from=receiver.example" "$received"
auth
is "OpenDKIM's and OpenDMARC's fields (id/jobid): dmarc" "$got" dmarc
is "... and mail_from_domain is the From domain" "$(field mail_from_domain)" receiver.example
ok "... the summary says mail_auth" "$(grep -q 'event=summary status=ok .*mail_auth=dmarc$' "$work/err"; echo $?)"
mail "Authentication-Results: mx.example.com; dkim=pass (2048-bit key) header.d=example header.i=@example" "$received"
auth
is "dkim=pass for a parent of the From domain: dkim" "$got" dkim
mail "Authentication-Results: mx.example.com; dkim=pass header.d=other.example; dmarc=fail header.from=receiver.example" "$received"
auth
is "dkim=pass for an unrelated domain, dmarc=fail: none" "$got" none
mail "Authentication-Results: evil.example; dmarc=pass header.from=receiver.example" "$received"
auth
is "a foreign authserv-id: none" "$got" none
mail "Authentication-Results: mx.example.com; dmarc=fail header.from=receiver.example" "$received" \
     "Authentication-Results: mx.example.com; dmarc=pass header.from=receiver.example; dkim=pass header.d=receiver.example"
auth
is "a forged field with our id below the hop from outside: none" "$got" none
mail "Authentication-Results: mx.example.com; dmarc=fail header.from=receiver.example" \
     "Authentication-Results: mx.example.com; dmarc=pass header.from=receiver.example" "$received"
auth
is "a forged field next to ours: the topmost result decides, none" "$got" none
{
	echo "Authentication-Results: mx.example.com; dmarc=pass header.from=receiver.example"
	echo "$received"
	for i in $(seq 1000); do echo "Authentication-Results: mx$i.example.org; dmarc=pass (p=none) header.from=receiver.example"; done
	cat "$FIXTURES/mail-zip.eml"
} > "$work/mail.eml"
run "authserv_id = mx.example.com" "max_header_fields = 2000" < "$work/mail.eml"
is "1,000 Authentication-Results fields: read, ours counts" "$rc $(field mail_auth)" "0 dmarc"

# 3. report_auth = require.
mail "Authentication-Results: mx.example.com; dmarc=fail header.from=receiver.example" "$received"
run "authserv_id = mx.example.com" "report_auth = require" < "$work/mail.eml"
ok "require, not authenticated: exit 0, nothing stored, refused whole, counted, quarantined" \
	$(( rc != 0 || $(xlen) != 0 || $(refused none/not_authenticated) != 1 || $(quarantined) != 1 ||
	    ! $(grep -c 'event=refused reason="not authenticated" mail_from_domain="receiver.example"' "$work/err") )) \
	"rc=$rc $(grep event= "$work/err")"
mail "Authentication-Results: mx.example.com; dmarc=pass header.from=receiver.example" "$received"
run "authserv_id = mx.example.com" "report_auth = require" < "$work/mail.eml"
ok "require, authenticated: stored" $(( rc != 0 || $(xlen) < 1 ))
run "report_auth = require" < "$work/mail.eml"
ok "require without authserv_id: a config error, exit 75" \
	$(( rc != 75 || ! $(grep -c 'report_auth = require needs authserv_id' "$work/out") ))
