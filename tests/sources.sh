#!/bin/bash
# dmarc-consume's sources stage against real servers it starts itself: a
# dnsmasq on a loopback port (confirmed, unconfirmed and missing names, a
# zone that fails), a DNS server that lies (tests/tools/dns-liar: control
# characters, an over-long name, bytes that are not ASCII, SERVFAIL,
# silence), MMDB files written here in two layouts, and a redis-server
# where dmarc-consume is an ACL user with the README's rules.  Checks each
# class rule end to end, the files' columns, the shared DNS cache, the
# rollups and --sources, pruning, configuration errors, and a report of
# 100,000 distinct addresses (what stays bounded, and how).  TAP.
. "${srcdir:-.}/tests/lib/common.sh"
server_test "redis-server, dnsmasq and dmarc-consume over 100,000 addresses"

for p in redis-server dnsmasq perl mmdblookup; do
	command -v "$p" > /dev/null || skip_all "$p is not installed (tests/tools/install-deps installs it)"
done
perl -MMaxMind::DB::Writer::Tree -e 1 2> /dev/null ||
	skip_all "libmaxmind-db-writer-perl is not installed (tests/tools/install-deps installs it)"
CONSUME=${DMARC_CONSUME:-$top_builddir/src/dmarc-consume}
sock=$work/r.sock
rcli() { redis-cli -s "$sock" "$@"; }
prefixes="s h p w f"
acl_user dmarc-consume consume-password "$prefixes"

echo "1..55"
redis_start "$sock" "${acl_args[@]}" || exit 1
pick_ports 3
dns_port=$port_base liar_port=$((port_base + 1)) dead_port=$((port_base + 2))

# --- the DNS: dnsmasq for the honest answers, and a liar ----------------------
dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --no-poll --listen-address=127.0.0.1 --bind-interfaces \
	--port="$dns_port" --user=nobody --pid-file="$work/dnsmasq.pid" --log-queries --log-facility="$work/dnsmasq.log" \
	--local=/test/ --local=/in-addr.arpa/ --local=/ip6.arpa/ \
	--host-record=mail.sender.test,192.0.2.10 --host-record=mail6.sender.test,2001:db8::10 \
	--ptr-record=11.2.0.192.in-addr.arpa,liar.example.test --address=/liar.example.test/192.0.2.99 \
	--ptr-record=12.2.0.192.in-addr.arpa,ghost.example.test \
	--host-record=o1.esp.test,198.51.100.20 --host-record=fwd.forwarder.test,198.51.100.30 \
	--server="/77.113.0.203.in-addr.arpa/127.0.0.1#$dead_port" || bail_out "dnsmasq did not start"
dnsmasq_up() { [ -s "$work/dnsmasq.pid" ] && [ "$(dig +short -p "$dns_port" @127.0.0.1 -x 192.0.2.10 2> /dev/null)" = mail.sender.test. ]; }
wait_for 10 dnsmasq_up || bail_out "dnsmasq answers no PTR for 192.0.2.10 on port $dns_port"
bg_pids="$bg_pids $(cat "$work/dnsmasq.pid")"
"${PYTHON3:-python3}" "$top_srcdir/tests/tools/dns-liar" "$liar_port" "$work/liar.pid" 2> "$work/liar.err" &
bg_pids="$bg_pids $!"
wait_for 10 test -s "$work/liar.pid" || bail_out "tests/tools/dns-liar did not start: $(cat "$work/liar.err")"

# --- MMDB files: countries nested (GeoLite2, DB-IP), AS flat (IPinfo lite) -------
perl - "$work" << 'EOP' || bail_out "could not write the MMDB files"
use strict;
use MaxMind::DB::Writer::Tree;
my $dir = shift;
my %types = (country => 'map', iso_code => 'utf8_string', country_code => 'utf8_string',
	asn => 'utf8_string', as_name => 'utf8_string');
sub tree { MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 24, remove_reserved_networks => 0,
	alias_ipv6_to_ipv4 => 1, database_type => $_[0], languages => ['en'], description => { en => $_[0] },
	map_key_type_callback => sub { $types{$_[0]} }) }
my $c = tree('Test-Country');
$c->insert_network('192.0.2.0/24', { country => { iso_code => 'DE' } });
$c->insert_network('2001:db8::/32', { country => { iso_code => 'FR' } });
$c->insert_network('198.51.100.0/24', { country => { iso_code => 'us' } });
my $a = tree('Test-IPinfo-Lite');
$a->insert_network('192.0.2.0/24', { asn => 'AS64500', as_name => "Example Net \x{1F4E7}" });
$a->insert_network('2001:db8::/32', { asn => 'AS64501', as_name => 'Example Six' });
$a->insert_network('198.51.100.0/24', { asn => 'AS64502', as_name => 'ESP Networks' });
for ([$c, 'country.mmdb'], [$a, 'asn.mmdb']) {
	open(my $fh, '>:raw', "$dir/$_->[1]") or die;
	$_->[0]->write_tree($fh);
	close $fh;
}
EOP
is "the test's MMDB files answer" "$(mmdblookup --file "$work/country.mmdb" --ip 192.0.2.10 country iso_code |
	tr -d ' \n') $(mmdblookup --file "$work/asn.mmdb" --ip 2001:db8::10 asn | tr -d ' \n')" '"DE"<utf8_string> "AS64501"<utf8_string>'

# --- settings -----------------------------------------------------------------
printf 'TestESP\tesp\tptr:esp.test\ttest\nTestFwd\tforwarder\tptr:forwarder.test\ttest\n' > "$work/extra.tsv"
printf '# ours\nsender.test  192.0.2.30/32  dkim:crm.example.net\n' > "$work/approved"
chmod 644 "$work"/*.mmdb "$work/extra.tsv" "$work/approved"
conf() {	# FILE PREFIX [lines...]
	{
		echo "syslog = no"
		echo "redis_socket = $sock"
		echo "redis_username = dmarc-consume"
		echo "redis_password = consume-password"
		echo "key_prefix = $2"
		echo "services_table = $top_srcdir/src/consume/sources/services.tsv"
		echo "services_extra = $work/extra.tsv"
		echo "approved_senders = $work/approved"
		echo "geoip_db = $work/country.mmdb"
		echo "asn_db = $work/asn.mmdb"
		echo "dns_servers = 127.0.0.1:$dns_port"
		printf '%s\n' "${@:3}"
	} > "$1"
	# dmarc-pipe writes as the default user (this test is about the consumer).
	grep -v '^redis_username\|^redis_password' "$1" > "${1%.conf}.pipe.conf"
}

# report ID BEGIN-EPOCH RECORDS...: an aggregate report about sender.test; each record is
# "ip count dkim spf [reason-type [comment]] [dkim-domain:result]" (fields separated by |).
report() {
	local id=$1 begin=$2 r ip count dkim spf reason comment sig
	shift 2
	cat << EOX
<?xml version="1.0"?>
<feedback><report_metadata><org_name>Test Receiver</org_name><email>r@receiver.test</email>
<report_id>$id</report_id><date_range><begin>$begin</begin><end>$((begin + 86399))</end></date_range></report_metadata>
<policy_published><domain>${from:-sender.test}</domain><p>quarantine</p><sp>none</sp><pct>100</pct></policy_published>
EOX
	for r in "$@"; do
		IFS='|' read -r ip count dkim spf reason comment sig <<< "$r"
		echo "<record><row><source_ip>$ip</source_ip><count>$count</count><policy_evaluated>"
		echo "<disposition>none</disposition><dkim>$dkim</dkim><spf>$spf</spf>"
		[ -n "$reason" ] && echo "<reason><type>$reason</type><comment>$comment</comment></reason>"
		echo "</policy_evaluated></row><identifiers><header_from>${from:-sender.test}</header_from></identifiers><auth_results>"
		[ -n "$sig" ] && echo "<dkim><domain>${sig%:*}</domain><result>${sig#*:}</result></dkim>"
		echo "<spf><domain>sender.test</domain><result>fail</result></spf></auth_results></record>"
	done
	echo "</feedback>"
}
records=(
	"192.0.2.10|10|pass|pass"			# pass, confirmed, DE, AS64500
	"2001:db8::10|5|pass|pass"			# pass, confirmed over IPv6
	"192.0.2.11|4|fail|fail|forwarded|list"		# forwarded: the receiver says so; an unconfirmed liar
	"192.0.2.30|7|fail|fail"			# approved-fail: an approved network, no PTR
	"198.51.100.20|6|fail|fail"			# service-fail: TestESP by its confirmed name
	"203.0.113.66|3|fail|fail"			# unknown-fail
	"192.0.2.12|2|fail|fail|||lists.example:pass"	# unknown-fail: a PTR whose name has no address
	"203.0.113.77|1|fail|fail"			# unknown-fail: its reverse zone fails (unresolved)
	"198.51.100.21|8|fail|fail|||crm.example.net:pass" # approved-fail: by an approved DKIM domain
	"192.0.2.40|2|fail|fail|||sender.test:pass"	# forwarded: DKIM of the header-from survived, SPF did not
	"203.0.113.90|3|fail|fail|local_policy|arc=pass"	# forwarded: local_policy with arc=pass
	"198.51.100.30|9|fail|fail"			# forwarded: a forwarder of the services table
)
day1=1709251200	# 2024-03-01
report s-1 $day1 "${records[@]}" > "$work/s1.xml"
conf "$work/s.conf" s "ndjson_dir = $work/s/ndjson" "batch_dir = $work/s/batch" "metrics_listen = 127.0.0.1:0"
"$DMARC_PIPE" -c "$work/s.pipe.conf" < "$work/s1.xml" > "$work/pipe.out" 2>&1 ||
	bail_out "dmarc-pipe did not store the report: $(cat "$work/pipe.out")"
"$CONSUME" -c "$work/s.conf" --once -v 2> "$work/s.err"
ok "dmarc-consume --once with DNS, MMDB files, services and approved senders exits 0" $? "$(tail -3 "$work/s.err")"

# The records as the daily file has them, one JSON object per line: "ip field value" lines.
cat "$work"/s/ndjson/*.ndjson > "$work/s.ndjson"
fields() {	# FIELD...: "ip value value ..." per record, sorted
	"${PYTHON3:-python3}" -c '
import json, sys
seen = set()
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["kind"] != "aggregate" or d["stream_id"] in seen:
        continue
    seen.add(d["stream_id"])
    print(d["source_ip"], " ".join("-" if d.get(f) is None else str(d[f]).replace(" ", "_") for f in sys.argv[2:]))
' "$work/s.ndjson" "$@" | sort
}
expect() { printf '%s\n' "$@" | sort; }
is "every class rule, end to end" "$(fields source_class)" "$(expect "192.0.2.10 pass" "2001:db8::10 pass" \
	"192.0.2.11 forwarded" "192.0.2.30 approved-fail" "198.51.100.20 service-fail" "203.0.113.66 unknown-fail" \
	"192.0.2.12 unknown-fail" "203.0.113.77 unknown-fail" "198.51.100.21 approved-fail" "192.0.2.40 forwarded" \
	"203.0.113.90 forwarded" "198.51.100.30 forwarded")"
is "reverse DNS: confirmed (IPv4, IPv6), unconfirmed (a liar, a name without address), none, unresolved" \
	"$(fields source_rdns source_rdns_confirmed | grep -v ' - none$')" \
	"$(expect "192.0.2.10 mail.sender.test yes" "2001:db8::10 mail6.sender.test yes" "192.0.2.11 liar.example.test no" \
	"192.0.2.12 ghost.example.test no" "198.51.100.20 o1.esp.test yes" "198.51.100.30 fwd.forwarder.test yes" \
	"203.0.113.77 - unresolved")"
is "no PTR: none (5 sources)" "$(fields source_rdns source_rdns_confirmed | grep -c ' - none$')" 5
is "base domains of confirmed names only" "$(fields source_base_domain | grep -v ' -$')" \
	"$(expect "192.0.2.10 sender.test" "2001:db8::10 sender.test" "198.51.100.20 esp.test" "198.51.100.30 forwarder.test")"
is "country (nested layout, upper-cased) and AS (flat layout, \"AS\" cut, UTF-8 kept)" \
	"$(fields source_country source_asn source_as_org | grep -v '^203')" \
	"$(expect "192.0.2.10 DE 64500 Example_Net_📧" "2001:db8::10 FR 64501 Example_Six" "192.0.2.11 DE 64500 Example_Net_📧" \
	"192.0.2.30 DE 64500 Example_Net_📧" "198.51.100.20 US 64502 ESP_Networks" "192.0.2.12 DE 64500 Example_Net_📧" \
	"198.51.100.21 US 64502 ESP_Networks" "192.0.2.40 DE 64500 Example_Net_📧" "198.51.100.30 US 64502 ESP_Networks")"
is "an address no database knows has no country or AS" "$(fields source_country source_asn source_as_org | grep '^203' | sort -u | cut -d' ' -f2- | sort -u)" "- - -"
is "services (by confirmed name) and approved sources" "$(fields source_service source_service_type source_approved | grep -v ' - - no$')" \
	"$(expect "198.51.100.20 TestESP esp no" "198.51.100.30 TestFwd forwarder no" "192.0.2.30 - - yes" "198.51.100.21 - - yes")"

# The batch file: the ten columns come last, with the values the NDJSON has.
head=$(zcat "$work"/s/batch/records/dt=*/*.tsv.gz | head -1 | tr '\t' '\n' | tail -10 | paste -sd' ')
is "batch files end with the ten source columns" "$head" \
	"source_rdns source_rdns_confirmed source_base_domain source_country source_asn source_as_org source_service source_service_type source_approved source_class"
rows=$(zcat "$work"/s/batch/records/dt=*/*.tsv.gz | awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ print $c["source_ip"], $c["source_class"], ($c["source_rdns"] == "" ? "-" : $c["source_rdns"]) }' | sort)
is "... with the NDJSON's values" "$rows" "$(fields source_class source_rdns)"

# The shared DNS cache: what is kept, for how long.
ttl_of() { rcli TTL "{s}:rdns:$1"; }
is "the DNS cache holds each address once, as the records say" \
	"$(rcli GET '{s}:rdns:192.0.2.10') / $(rcli GET '{s}:rdns:192.0.2.11') / $(rcli GET '{s}:rdns:203.0.113.66') / $(rcli GET '{s}:rdns:203.0.113.77')" \
	"yes mail.sender.test / no liar.example.test / none / unresolved"
ok "names live dns_cache_days, no name a day, a failure ten minutes" \
	"$(t=$(ttl_of 192.0.2.10) u=$(ttl_of 203.0.113.66) v=$(ttl_of 203.0.113.77)
	   [ "$t" -gt 86400 ] && [ "$t" -le 604800 ] && [ "$u" -gt 600 ] && [ "$u" -le 86400 ] && [ "$v" -gt 0 ] && [ "$v" -le 600 ]; echo $?)" \
	"TTLs $(ttl_of 192.0.2.10) $(ttl_of 203.0.113.66) $(ttl_of 203.0.113.77)"

# Rollups and metrics.
sum_hash() { rcli HVALS "$1" | awk '{ s += $1 } END { print s + 0 }'; }
is "the day's rollup: messages by class" \
	"$(rcli HMGET '{s}:rollup:2024-03-01:sender.test' messages class:pass class:forwarded class:approved-fail class:service-fail class:unknown-fail | paste -sd' ')" \
	"60 15 18 15 6 6"
is "one rollup entry per source, messages as reported" "$(rcli HLEN '{s}:rollup:2024-03-01:sender.test:sources') $(rcli HGET '{s}:rollup:2024-03-01:sender.test:sources' 198.51.100.21 | cut -f1-6 | tr '\t' ' ')" '12 8 0 0 8 0 0'
is "dmarc_source_messages_total by domain, class and service" \
	"$(rcli HGET '{s}:metric:dmarc_source_messages_total' 'from_domain="sender.test",source_class="service-fail",source_service="TestESP"') $(sum_hash '{s}:metric:dmarc_source_messages_total')" "6 60"
is "dmarc_new_sources_total: twelve new addresses, by class" \
	"$(sum_hash '{s}:metric:dmarc_new_sources_total') $(rcli HGET '{s}:metric:dmarc_new_sources_total' 'from_domain="sender.test",source_class="unknown-fail"')" "12 3"
is "the reporter's newest report and the published policy" \
	"$(rcli HGET '{s}:metric:dmarc_reporter_last_report_timestamp_seconds' 'reporter="Test Receiver"') $(rcli HGET '{s}:metric:dmarc_published_policy' 'domain="sender.test"')" \
	"$((day1 + 86399)) 1"
is "the authentication domains and how they fared, by messages" \
	"$(rcli HGETALL '{s}:rollup:2024-03-01:sender.test:auth' | paste -d' ' - - | sort | paste -sd'|')" \
	"dkim:crm.example.net:pass 8|dkim:lists.example:pass 2|dkim:sender.test:pass 2|spf:sender.test:fail 60"
is "the published policy as the report says it: p, sp, pct" \
	"$(rcli HGET '{s}:policy:published' sender.test | tr '\t' ' ')" "quarantine none 100"

# --sources: failing sources first, aligned columns, JSON with the same numbers.
"$CONSUME" -c "$work/s.conf" --sources sender.test > "$work/table" 2> "$work/table.err"
ok "--sources prints a table" $? "$(cat "$work/table.err")"
is "failing sources first, most failing messages first" "$(awk 'NR > 2 { print $1 }' "$work/table" | head -4 | paste -sd' ')" \
	"198.51.100.21 192.0.2.30 198.51.100.20 203.0.113.66"
is "passing sources last" "$(awk 'NR > 2 { print $1 }' "$work/table" | tail -2 | paste -sd' ')" "192.0.2.10 2001:db8::10"
# Aligned on a terminal: every row's MESSAGES number ends in the column its header does,
# counted as a terminal does (an emoji takes two columns).
aligned=$("${PYTHON3:-python3}" -c '
import sys, unicodedata
def cols(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
def first_columns(line, n):
    """The characters of line that fill its first n columns."""
    w = 0
    for i, c in enumerate(line):
        if w >= n:
            return line[:i]
        w += cols(c)
    return line
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
end = cols(lines[1][:lines[1].index("MESSAGES") + len("MESSAGES")])
bad = 0
for line in lines[2:]:
    p = first_columns(line, end)
    bad += cols(p) != end or not p[-1].isdigit() or line[len(p):len(p) + 1] not in ("", " ")
print(bad)' "$work/table")
is "the columns are aligned (as a terminal counts them: the emoji takes two)" "$aligned" 0 "$(sed -n 2,4p "$work/table")"
"$CONSUME" -c "$work/s.conf" --sources SENDER.TEST. --json > "$work/table.json"
is "--json: the same sources, their messages, pass % and first day" \
	"$("${PYTHON3:-python3}" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["sources"]), sum(s["messages"] for s in d["sources"]), [s["pass_percent"] for s in d["sources"] if s["source"]=="192.0.2.10"][0], d["sources"][0]["first_seen"], d["sources"][0]["approved"])' "$work/table.json")" \
	"12 60 100.0 2024-03-01 True"

# --- a second day: the cache answers, first days stay ---------------------------
queries=$(grep -c 'query\[PTR\]' "$work/dnsmasq.log")
report s-2 $((day1 + 86400)) "${records[@]}" > "$work/s2.xml"
"$DMARC_PIPE" -c "$work/s.pipe.conf" < "$work/s2.xml" > /dev/null 2>&1
"$CONSUME" -c "$work/s.conf" --once 2> "$work/s2.err"
is "a second day's report of the same sources asks the DNS nothing (the cache answers)" \
	"$(grep -c 'query\[PTR\]' "$work/dnsmasq.log")" "$queries"
is "first days stay the first; no address is new again" \
	"$(rcli HGET '{s}:firstseen:sender.test' ip:192.0.2.10) $(sum_hash '{s}:metric:dmarc_new_sources_total')" "2024-03-01 12"
is "--days 2 sums both days, --days 1 the newest alone" \
	"$("$CONSUME" -c "$work/s.conf" --sources sender.test --json | grep -c '"messages":20') $("$CONSUME" -c "$work/s.conf" --sources sender.test --days 1 --json | grep -c '"messages":10')" "1 1"

# --- DNS that lies, fails and says nothing ----------------------------------------
hostile=(10.0.0.1\|1\|fail\|fail 10.0.0.2\|1\|fail\|fail 10.0.0.3\|1\|fail\|fail 10.0.0.4\|1\|fail\|fail)
silent=()
for i in 5 6 7 8 9 10; do silent+=("10.0.0.$i|1|fail|fail"); done
report h-1 $day1 "${hostile[@]}" "${silent[@]}" > "$work/h.xml"
# The NDJSON sink alone, two records a batch: each batch waits for the DNS on its own.
conf "$work/h.conf" h "ndjson_dir = $work/h/ndjson" "metrics_listen =" "rollup_days = 0" "consume_count = 2" \
	"dns_timeout_ms = 400"
sed -i "s/^dns_servers = .*/dns_servers = 127.0.0.1:$liar_port/" "$work/h.conf"
"$DMARC_PIPE" -c "$work/h.pipe.conf" < "$work/h.xml" > /dev/null 2>&1
"$CONSUME" -c "$work/h.conf" --once -v 2> "$work/h.err"
ok "--once ends against a DNS server that lies or says nothing" $? "$(tail -3 "$work/h.err")"
cat "$work"/h/ndjson/*.ndjson > "$work/s.ndjson"
is "names with control characters, too long, or not ASCII: none; SERVFAIL and silence: unresolved" \
	"$(fields source_rdns source_rdns_confirmed | grep -v '^10.0.0.\([5-9]\|10\) ' | paste -sd,)" \
	"10.0.0.1 - none,10.0.0.2 - none,10.0.0.3 - none,10.0.0.4 - unresolved"
is "... and every silent address unresolved" "$(fields source_rdns_confirmed | grep -c ' unresolved$')" 7
ok "no control character reached the file" "$(LC_ALL=C grep -q '[[:cntrl:]]' "$work/s.ndjson"; [ $? -eq 1 ]; echo $?)"
dns_lines=$(grep -c 'event=dns .*unresolved=2 ' "$work/h.err")
is "each batch with silent addresses waited once: three batches of two, three waits" "$dns_lines" 3 \
	"$(grep 'event=dns' "$work/h.err" | head -5)"
echo "# waits (dns_timeout_ms = 400): $(grep -o 'waited_ms=[0-9]*' "$work/h.err" | paste -sd' ')"

# --- settings that are wrong --------------------------------------------------------
conf "$work/bad.conf" s "ndjson_dir = $work/bad"
printf 'sender.test 192.0.2.0/24\nsender.test 192.0.2.1\n' > "$work/approved.bad"
sed -i "s|^approved_senders = .*|approved_senders = $work/approved.bad|" "$work/bad.conf"
"$CONSUME" -c "$work/bad.conf" --once > /dev/null 2> "$work/bad.err"
is "an approved-senders error: exit 78, naming file and line" "$? $(cat "$work/bad.err")" \
	"78 dmarc-consume: config: $work/approved.bad:2: sender.test has a line already"
sed -i "s|^approved_senders = .*|approved_senders = $work/approved|; s|^geoip_db = .*|geoip_db = $work/nosuch.mmdb|" "$work/bad.conf"
"$CONSUME" -c "$work/bad.conf" --once > /dev/null 2> "$work/bad.err"
is "a database that is not there: exit 78, naming it" "$? $(cat "$work/bad.err")" \
	"78 dmarc-consume: config: $work/nosuch.mmdb: No such file or directory"
sed -i "s|^geoip_db = .*|geoip_db = $work/country.mmdb|; s|^services_table = .*|services_table = $work/nosuch.tsv|" "$work/bad.conf"
"$CONSUME" -c "$work/bad.conf" --once > /dev/null 2> "$work/bad.err"
is "a services table named and missing: exit 78, naming it" "$? $(cat "$work/bad.err")" \
	"78 dmarc-consume: config: $work/nosuch.tsv: No such file or directory"
"$CONSUME" -c "$work/s.conf" --sources 'not a domain' > /dev/null 2>&1
is "--sources with no domain name: exit 64" $? 64

# --- the README's settings and approved-senders blocks, as written --------------
readme_block sources-approved > "$work/approved.readme"
readme_block sources-settings | sed "s|/var/lib/dmarc-consume/dbip-country-lite.mmdb|$work/country.mmdb|;
	s|/var/lib/dmarc-consume/dbip-asn-lite.mmdb|$work/asn.mmdb|; s|/etc/dmarc-consume/services.tsv|$work/extra.tsv|;
	s|/etc/dmarc-consume/approved|$work/approved.readme|; s|^dns_servers =.*|dns_servers = 127.0.0.1:$dns_port|" \
	> "$work/readme.conf"
grep -q "$work/approved.readme" "$work/readme.conf" || bail_out "the README's settings block names no approved_senders file"
conf "$work/r.conf" s "ndjson_dir = $work/r/ndjson" "metrics_listen ="
grep -v '^approved_senders\|^geoip_db\|^asn_db\|^services_extra\|^dns_servers' "$work/r.conf" > "$work/r2.conf"
cat "$work/readme.conf" >> "$work/r2.conf"
from=example.com report r-1 $day1 "192.0.2.5|1|fail|fail" "198.51.100.99|1|fail|fail" |
	"$DMARC_PIPE" -c "$work/r.pipe.conf" > /dev/null 2>&1
"$CONSUME" -c "$work/r2.conf" --once 2> "$work/r.err"
ok "the README's settings and approved-senders blocks load as written (paths made the test's)" $? "$(tail -3 "$work/r.err")"
cat "$work"/r/ndjson/*.ndjson > "$work/s.ndjson"
is "... and its approved network is example.com's: failing mail from it is approved-fail, from elsewhere unknown-fail" \
	"$(fields header_from source_approved source_class | paste -sd,)" \
	"192.0.2.5 example.com yes approved-fail,198.51.100.99 example.com no unknown-fail"

# --- pruning: rollup_days back from the newest report day -------------------------
conf "$work/p.conf" p "rollup_days = 2" "metrics_listen =" "dns_lookups = no"
# tlsrpt DAY: a TLS report for sender.test on 2024-03-DAY, failing sessions at two MX hosts.
tlsrpt() {
	cat << EOX
{"organization-name":"TLS Receiver","date-range":{"start-datetime":"2024-03-0${1}T00:00:00Z",
"end-datetime":"2024-03-0${1}T23:59:59Z"},"contact-info":"tls@receiver.test","report-id":"tls-$1",
"policies":[{"policy":{"policy-type":"sts","policy-domain":"sender.test"},
"summary":{"total-successful-session-count":90,"total-failure-session-count":10},
"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"203.0.113.5",
"receiving-mx-hostname":"mx1.sender.test","failed-session-count":7},
{"result-type":"starttls-not-supported","sending-mta-ip":"203.0.113.6",
"receiving-mx-hostname":"mx2.sender.test","failed-session-count":3}]}]}
EOX
}
for d in 0 1 2; do
	report p-$d $((day1 + d * 86400)) "192.0.2.10|1|pass|pass" | "$DMARC_PIPE" -c "$work/p.pipe.conf" > /dev/null 2>&1
	tlsrpt $((d + 1)) | "$DMARC_PIPE" -c "$work/p.pipe.conf" > /dev/null 2>&1
done
"$CONSUME" -c "$work/p.conf" --once 2> "$work/p.err"
is "TLS rollups: sessions, failures by result type, MX host and sending address, the reporter" \
	"$(rcli HGETALL '{p}:tls:2024-03-03:sender.test' | paste -d' ' - - | sort | paste -sd'|')" \
	"failed 10|mx:mx1.sender.test 7|mx:mx2.sender.test 3|reporter:TLS Receiver $((day1 + 3 * 86400 - 1))|result:certificate-expired 7|result:starttls-not-supported 3|sender:203.0.113.5 7|sender:203.0.113.6 3|successful 90"
is "rollup_days = 2: the two newest days stay, the oldest day's keys are gone (TLS ones too)" \
	"$(rcli ZRANGE '{p}:rollup:days' 0 -1 | paste -sd' ') $(rcli ZRANGE '{p}:tls:days' 0 -1 | paste -sd' ') $(rcli EXISTS '{p}:rollup:2024-03-01' '{p}:rollup:2024-03-01:sender.test' '{p}:rollup:2024-03-01:sender.test:sources' '{p}:rollup:2024-03-01:sender.test:auth' '{p}:tls:2024-03-01' '{p}:tls:2024-03-01:sender.test') $(rcli EXISTS '{p}:tls:2024-03-02:sender.test')" \
	"2024-03-02 2024-03-03 2024-03-02 2024-03-03 0 1"
is "... and the first day a source sent is still known" "$(rcli HGET '{p}:firstseen:sender.test' ip:192.0.2.10)" 2024-03-01

# --- weekly rollups: a long range reads a hash a week ---------------------------------
# 24 days, Friday 2024-03-01 to Sunday 2024-03-24: a 30-day range ends on the
# Sunday, so it holds 2 days of February and four whole weeks (Mondays 02-26,
# 03-04, 03-11, 03-18).
conf "$work/w.conf" w "metrics_listen =" "dns_lookups = no"
for d in $(seq 0 23); do
	recs=("192.0.2.10|$((d + 1))|pass|pass" "198.51.100.21|2|fail|fail|||crm.example.net:pass")
	[ "$d" -ge 10 ] && recs+=("203.0.113.66|1|fail|fail")
	report w-$d $((day1 + d * 86400)) "${recs[@]}" | "$DMARC_PIPE" -c "$work/w.pipe.conf" > /dev/null 2>&1
done
"$CONSUME" -c "$work/w.conf" --once 2> "$work/w.err"
is "a fresh start's weekly rollups hold every week whole (weekly-from 0), one set and zset entry a week" \
	"$(rcli GET '{w}:rollup:weekly-from') $(rcli ZRANGE '{w}:rollup:weeks' 0 -1 | paste -sd' ') $(rcli SMEMBERS '{w}:rollup:week:2024-03-11')" \
	"0 2024-02-26 2024-03-04 2024-03-11 2024-03-18 sender.test"
# week_sums SUFFIX: fields of the weeks' hashes (:sources or :auth) whose messages differ from
# the sum of their days' (either way); then how many weeks were compared.
week_sums() {
	rcli EVAL "local bad, weeks = 0, redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
	local function first(v) return tonumber(string.match(v, '^%d+')) end
	for i = 1, #weeks, 2 do
	  local sums, monday = {}, tonumber(weeks[i + 1])
	  for _, day in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], monday, monday + 6)) do
	    local h = redis.call('HGETALL', '{w}:rollup:' .. day .. ':sender.test' .. ARGV[1])
	    for k = 1, #h, 2 do sums[h[k]] = (sums[h[k]] or 0) + first(h[k + 1]) end
	  end
	  local h = redis.call('HGETALL', '{w}:rollup:week:' .. weeks[i] .. ':sender.test' .. ARGV[1])
	  for k = 1, #h, 2 do
	    if sums[h[k]] ~= first(h[k + 1]) then bad = bad + 1 end
	    sums[h[k]] = nil
	  end
	  for _ in pairs(sums) do bad = bad + 1 end
	end
	return bad .. ' ' .. (#weeks / 2)" 2 '{w}:rollup:weeks' '{w}:rollup:days' "$1"
}
is "each week's sources and authentication domains are the sums of its days'" \
	"$(week_sums :sources) $(week_sums :auth)" "0 4 0 4"
# hgetalls: HGETALL calls since the last count.
hgetalls() {
	rcli INFO commandstats | sed -n 's/^cmdstat_hgetall:calls=\([0-9]*\),.*/\1/p' | grep . || echo 0
	rcli CONFIG RESETSTAT > /dev/null
}
hgetalls > /dev/null
"$CONSUME" -c "$work/w.conf" --sources sender.test --days 30 --json > "$work/w30.json"
weekly_reads=$(hgetalls)
rcli DEL '{w}:rollup:weekly-from' > /dev/null	# as before an upgrade: daily rollups only
"$CONSUME" -c "$work/w.conf" --sources sender.test --days 30 --json > "$work/w30-daily.json"
daily_reads=$(hgetalls)
is "--days 30 reads 4 weeks and 2 days instead of 30 days, and answers the same" \
	"$weekly_reads $daily_reads $(cmp -s "$work/w30.json" "$work/w30-daily.json" && echo same) $(grep -o '"messages":[0-9]*' "$work/w30.json" | paste -sd' ')" \
	"6 30 same \"messages\":48 \"messages\":14 \"messages\":300"
# A later start leaves weekly-from as it is: set once, when the weekly rollups began.
rcli SET '{w}:rollup:weekly-from' "$(( (day1 + 10 * 86400) / 86400 ))" > /dev/null
"$CONSUME" -c "$work/w.conf" --once 2>> "$work/w.err"
"$CONSUME" -c "$work/w.conf" --sources sender.test --days 30 --json > "$work/w30-from.json"
is "weeks that began before weekly-from are read day by day (2 weeks and 16 days), and answer the same" \
	"$(rcli GET '{w}:rollup:weekly-from') $(hgetalls) $(cmp -s "$work/w30.json" "$work/w30-from.json" && echo same)" \
	"$(( (day1 + 10 * 86400) / 86400 )) 18 same"
# Pruning to 10 days keeps 03-15 to 03-24: the weeks that ended before 03-15 go.
conf "$work/w10.conf" w "metrics_listen =" "dns_lookups = no" "rollup_days = 10"
rcli SET '{w}:rollup:weekly-from' 0 > /dev/null
"$CONSUME" -c "$work/w10.conf" --once 2>> "$work/w.err"
"$CONSUME" -c "$work/w10.conf" --sources sender.test --days 30 --json > "$work/w10.json"
w10_reads=$(hgetalls)
is "rollup_days = 10: the weeks that ended before the days kept are gone; one partly kept stays, unread" \
	"$(rcli ZRANGE '{w}:rollup:weeks' 0 -1 | paste -sd' ') $(rcli EXISTS '{w}:rollup:week:2024-03-04' '{w}:rollup:week:2024-03-04:sender.test:sources' '{w}:rollup:week:2024-03-04:sender.test:auth') $w10_reads $(grep -o '"messages":[0-9]*' "$work/w10.json" | paste -sd' ')" \
	"2024-03-11 2024-03-18 0 24 \"messages\":20 \"messages\":10 \"messages\":195"

# --- 100,000 distinct addresses in one report ----------------------------------------
"${PYTHON3:-python3}" -c '
import sys
out = [sys.argv[1]]
for i in range(100000):
    out.append("<record><row><source_ip>10.%d.%d.%d</source_ip><count>1</count><policy_evaluated>"
               "<disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>"
               "<identifiers><header_from>sender.test</header_from></identifiers><auth_results>"
               "<dkim><domain>d%d.example</domain><result>pass</result></dkim>"
               "<spf><domain>sender.test</domain><result>fail</result></spf></auth_results></record>"
               % (i >> 16, (i >> 8) & 255, i & 255, i))
out.append("</feedback>")
print("\n".join(out))' "$(report f-1 $day1 | sed '$d')" > "$work/flood.xml"
conf "$work/f.conf" f "metrics_listen =" "rollup_max_sources = 1000" "max_records = 200000" "consume_count = 1000"
"$DMARC_PIPE" -c "$work/f.pipe.conf" < "$work/flood.xml" > /dev/null 2>&1
flood_count=$(rcli XLEN '{f}:records')
addresses=$(rcli EVAL "local seen, n = {}, 0
	for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
	  for i = 1, #e[2], 2 do
	    if e[2][i] == 'source_ip' and not seen[e[2][i + 1]] then seen[e[2][i + 1]] = true; n = n + 1 end
	  end
	end
	return n" 1 '{f}:records')
/usr/bin/time -f '%M' -o "$work/f.rss" "$CONSUME" -c "$work/f.conf" --once 2> "$work/f.err"
ok "a report of $addresses distinct addresses ($flood_count records) is consumed" $? "$(tail -3 "$work/f.err")"
day=$(rcli ZRANGE '{f}:rollup:days' -1 -1)
src="{f}:rollup:$day:sender.test:sources"
is "the day's sources: rollup_max_sources addresses and \"other\"" "$(rcli HLEN "$src")" 1001
auth="{f}:rollup:$day:sender.test:auth"
is "its authentication domains: 1,000 fields and the \"(other)\" ones, whose messages add up (DKIM, SPF)" \
	"$(rcli HLEN "$auth" | awk '{ print ($1 <= 1002) }') $(rcli HEXISTS "$auth" 'dkim:(other):pass') $(rcli HGETALL "$auth" | paste -d' ' - - | awk '/^dkim:/ { d += $2 } /^spf:/ { s += $2 } END { print d, s }')" \
	"1 1 $flood_count $flood_count"
sum_m=$(rcli EVAL "local s = 0 for _, v in ipairs(redis.call('HVALS', KEYS[1])) do s = s + tonumber(string.match(v, '^%d+')) end return s" 1 "$src")
is "... whose messages still add up to the report's" "$sum_m" "$(rcli HGET "{f}:rollup:$day:sender.test" messages)"
is "first days: ten times rollup_max_sources per domain, new sources counted as far" \
	"$(rcli HLEN '{f}:firstseen:sender.test') $(sum_hash '{f}:metric:dmarc_new_sources_total')" "10000 10000"
is "the DNS cache: one key per address, none kept longer than a day (no name)" \
	"$(rcli --scan --pattern '{f}:rdns:*' | wc -l) $(rcli EVAL "local m = 0 for _, k in ipairs(redis.call('KEYS', '{f}:rdns:*')) do local t = redis.call('TTL', k) if t > m then m = t end end return m" 0 | awk '{ print ($1 <= 86400) }')" \
	"$addresses 1"
is "... every one of them looked up and answered (no name), none unresolved" \
	"$(rcli EVAL "local n = 0 for _, k in ipairs(redis.call('KEYS', '{f}:rdns:*')) do if redis.call('GET', k) == 'none' then n = n + 1 end end return n" 0)" \
	"$addresses" "$(grep 'event=dns' "$work/f.err" | head -3)"
echo "# 100,000 addresses: dmarc-consume's largest RSS $(cat "$work/f.rss") kB; dnsmasq answered $(grep -c 'query\[PTR\]' "$work/dnsmasq.log") PTR queries in all"

is "no command refused by the README's rules (ACL LOG)" "$(acl_refusals "$sock" | tr '\n' ' ')" ""
