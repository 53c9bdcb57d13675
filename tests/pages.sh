#!/bin/bash
# The overview pages in a real browser: headless Chromium loads /,
# /domain/<d>, /tls and /failures over HTTP from a dmarc-consume fed
# through dmarc-pipe; the numbers of the DOM it built equal sums Redis
# computes from the streams, the sources table holds what the rollups
# hold, and report text meant to attack the page (in org names, TLS
# fields, failure fields, and rollups a hostile Redis holds) stays text.
# Then HTTP at its edges: HEAD, 404s, junk ranges, a 10 kB path, POST,
# http_allow, and slow clients while dmarc-pipe keeps writing.  TAP.
# Starts its own redis-server, as the README's ACL users, stopped by PID.
. "${srcdir:-.}/tests/lib/common.sh"
server_test "redis-server, dmarc-consume and headless Chromium"

command -v redis-server > /dev/null || skip_all "redis-server is not installed (tests/tools/install-deps installs it)"
command -v chromium > /dev/null || skip_all "chromium is not installed (tests/tools/install-deps installs it)"
command -v curl > /dev/null || skip_all "curl is not installed (tests/tools/install-deps installs it)"
CONSUME=${DMARC_CONSUME:-$top_builddir/src/dmarc-consume}
sock=$work/r.sock
rcli() { redis-cli -s "$sock" "$@"; }
acl_user dmarc-pipe pipe-password pages
acl_user dmarc-consume consume-password pages
PY=${PYTHON3:-python3}

echo "1..29"
redis_start "$sock" "${acl_args[@]}" || exit 1
pick_ports 3
port=$port_base
base=http://127.0.0.1:$port
echo "sender.test  192.0.2.0/24" > "$work/approved"
cat > "$work/c.conf" <<EOC
syslog = no
redis_socket = $sock
redis_username = dmarc-consume
redis_password = consume-password
key_prefix = pages
metrics_listen = 127.0.0.1:$port
ndjson_dir =
batch_dir =
approved_senders = $work/approved
$SOURCES_CONF
EOC
sed "s/^redis_username = .*/redis_username = dmarc-pipe/; s/^redis_password = .*/redis_password = pipe-password/" \
	"$work/c.conf" > "$work/pipe.conf"

# --- reports: two days of two domains, every class, attacks in their text ----------
hostile_org='<script>alert(1)</script>"><img src=x onerror=alert(2)>'
hostile_org_xml=$(printf '%s' "$hostile_org" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')
# report ID BEGIN FROM ORG RECORD...: RECORD is ip|count|dkim|spf|signature-domain:result
report() {
	local id=$1 begin=$2 from=$3 org=$4
	shift 4
	cat << EOX
<?xml version="1.0"?>
<feedback><report_metadata><org_name>$org</org_name><email>r@receiver.test</email>
<report_id>$id</report_id><date_range><begin>$begin</begin><end>$((begin + 86399))</end></date_range></report_metadata>
<policy_published><domain>$from</domain><p>quarantine</p><sp>none</sp><pct>50</pct></policy_published>
EOX
	for r in "$@"; do
		IFS='|' read -r ip count dkim spf sig <<< "$r"
		echo "<record><row><source_ip>$ip</source_ip><count>$count</count><policy_evaluated>"
		echo "<disposition>none</disposition><dkim>$dkim</dkim><spf>$spf</spf></policy_evaluated></row>"
		echo "<identifiers><header_from>$from</header_from></identifiers><auth_results>"
		[ -n "$sig" ] && echo "<dkim><domain>${sig%:*}</domain><result>${sig#*:}</result></dkim>"
		echo "<spf><domain>$from</domain><result>$spf</result></spf></auth_results></record>"
	done
	echo "</feedback>"
}
day1=1709251200	# 2024-03-01
day2=$((day1 + 86400))
deliver() { "$DMARC_PIPE" -c "$work/pipe.conf" > "$work/pipe.out" 2>&1 || bail_out "dmarc-pipe: $(cat "$work/pipe.out")"; }
report r-1 $day1 sender.test "Receiver One" "192.0.2.10|40|pass|pass|sender.test:pass" "192.0.2.30|7|fail|fail" \
	"198.51.100.20|6|fail|fail|sendgrid.net:pass" "203.0.113.66|3|fail|fail" | deliver
report r-2 $day2 sender.test "$hostile_org_xml" "192.0.2.10|50|pass|pass|sender.test:pass" "192.0.2.31|2|fail|fail" \
	"203.0.113.67|1|fail|fail" | deliver
report r-3 $day2 other.test "Receiver One" "198.51.100.9|12|pass|fail|other.test:pass" | deliver
# A TLS report whose failure details attack the page.
cat << 'EOJ' | deliver
{"organization-name":"TLS <b>Receiver</b>","date-range":{"start-datetime":"2024-03-02T00:00:00Z",
"end-datetime":"2024-03-02T23:59:59Z"},"contact-info":"tls@receiver.test","report-id":"tls-1",
"policies":[{"policy":{"policy-type":"sts","policy-domain":"sender.test"},
"summary":{"total-successful-session-count":90,"total-failure-session-count":10},
"failure-details":[{"result-type":"</style><script>alert(3)</script>","sending-mta-ip":"203.0.113.5",
"receiving-mx-hostname":"javascript:alert(4)","failed-session-count":7},
{"result-type":"certificate-expired","sending-mta-ip":"203.0.113.6",
"receiving-mx-hostname":"\"><img src=x onerror=alert(5)>","failed-session-count":3}]}]}
EOJ
# A failure report whose fields attack the page.
sed 's|^User-Agent: .*|User-Agent: <script>alert(6)</script>|; s|^DKIM-Selector: .*|DKIM-Selector: "><img src=x onerror=alert(7)>|;
	s|^Reporting-MTA: .*|Reporting-MTA: dns; </style><b>javascript:alert(8)</b>|' "$FIXTURES/arf-dmarc.eml" | deliver
is "dmarc-pipe stored three kinds" "$(rcli XLEN '{pages}:records') $(rcli XLEN '{pages}:tlsrpt') $(rcli XLEN '{pages}:failures')" "8 1 1"

"$CONSUME" -c "$work/c.conf" 2> "$work/consume.err" &
consume_pid=$!
bg_pids="$bg_pids $consume_pid"
rolled() { [ "$(rcli HGET '{pages}:rollup:2024-03-02:sender.test' messages)" = 53 ] && [ "$(rcli EXISTS '{pages}:tls:2024-03-02:sender.test')" = 1 ]; }
wait_for 30 rolled || bail_out "the sources sink did not roll the reports up in 30 s: $(tail -3 "$work/consume.err")"
# The sinks' threads yield the CPU to the listener (sink_nice, default 10).
threads() {
	for t in /proc/$consume_pid/task/*; do
		printf '%s %s\n' "$(sed 's/.*) //' "$t/stat" | cut -d' ' -f17)" "$(cat "$t/comm")"
	done | sort
}
threads > "$work/threads"
is "the sinks' threads (metrics, sources) run at nice 10, the rest (the listener among them) at 0" \
	"$(awk '$1 == 10 && $2 == "sink" { s = s " " $3 } $1 == 0 && $2 != "sink" { m++ } END { print s, m == NR - 2 }' "$work/threads")" \
	" metrics sources 1"
# A hostile Redis (or a bug upstream) put markup in what the page reads back:
# the DNS stage refuses such names (tests/sources.sh), so they go straight in.
rcli HSET '{pages}:rollup:2024-03-02:sender.test:sources' 203.0.113.99 \
	"$(printf '5\t0\t0\t0\t0\t5\t<script>alert(9)</script>.example\tno\tjavascript:alert(10)\t"><img src=x onerror=alert(11)>\t64500\t</style><script>alert(12)</script>\tEvil<svg onload=alert(13)>\tesp\tno')" > /dev/null

# --- the pages in Chromium -------------------------------------------------------------
# browse NAME PATH: the DOM Chromium built from the page (NAME.dom) and its screenshot (NAME.png).
browse() {
	sh "$top_srcdir/tests/tools/page-shot" "$base$2" "$work/$1.png" > "$work/$1.dom" 2> "$work/$1.chromium.err"
}
browse overview "/?days=7"
browse domain "/domain/sender.test?days=7"
browse tls "/tls?days=7"
browse failures "/failures"
for p in overview domain tls failures; do
	[ -s "$work/$p.dom" ] || bail_out "Chromium built no DOM of $p: $(tail -3 "$work/$p.chromium.err")"
done
ok "Chromium took a screenshot of each page" \
	"$(for p in overview domain tls failures; do [ "$(stat -c %s "$work/$p.png" 2> /dev/null || echo 0)" -gt 10000 ] || echo "$p"; done | grep -q .; [ $? -eq 1 ]; echo $?)"

# dom NAME QUERY: what the DOM holds, read by Python's own HTML parser.
dom() {
	"$PY" - "$work/$1.dom" "$2" << 'EOP'
import sys
from html.parser import HTMLParser

class Page(HTMLParser):
    """Elements with their attributes and text, as a flat list of (tag, attrs, text, path)."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.elements = [], []
    def handle_starttag(self, tag, attrs):
        e = [tag, dict(attrs), "", [x[0] for x in self.stack]]
        self.elements.append(e)
        if tag not in ("meta", "line", "rect", "br", "img", "input", "link"):
            self.stack.append((tag, e))
    def handle_startendtag(self, tag, attrs):
        self.elements.append([tag, dict(attrs), "", [x[0] for x in self.stack]])
    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
    def handle_data(self, data):
        for _, e in self.stack:
            e[2] += data

p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
q = sys.argv[2]
E = p.elements
def cls(e, c): return c in e[1].get("class", "").split()
if q == "scripts":
    bad = [e for e in E if e[0] in ("script", "img", "iframe", "object", "embed", "b") and "header" not in e[3]]
    bad += [e for e in E if any(a.startswith("on") for a in e[1])]
    bad += [e for e in E if e[1].get("href", "").strip().lower().startswith("javascript:")]
    print(len(bad))
elif q == "text":
    print("\n".join(e[2] for e in E if e[0] in ("td", "dd", "p", "div", "h2", "span", "title")))
elif q == "domains":
    # Each domain section: "domain messages pass%" (or "domain sessions -") from its heading and facts.
    starts = [i for i, e in enumerate(E) if e[0] == "section" and cls(e, "domain")] + [len(E)]
    for i, j in zip(starts, starts[1:]):
        name = next(x[2] for x in E[i:j] if x[0] == "h2").strip()
        fact = {}
        for x in E[i:j]:
            words = x[2].split()
            if x[0] == "div" and x[3][-1:] == ["div"] and len(words) >= 2:
                fact[" ".join(words[:-1] if words[-1] != "%" else words[:-2])] = words[-1] if words[-1] != "%" else words[-2]
        count = fact.get("Messages", fact.get("Sessions", "-")).replace(",", "")
        print(name, count, fact.get("DMARC pass", "-"))
elif q.startswith("rows:"):
    # The rows of table id=NAME: their cells, tab-separated.
    want, rows, row, inside = q[5:], [], None, False
    for e in E:
        if e[0] == "table":
            inside = e[1].get("id") == want or want in e[1].get("class", "").split()
        elif inside and e[0] == "tr" and "tbody" in e[3]:
            row = []
            rows.append(row)
        elif inside and e[0] == "td" and row is not None and "tbody" in e[3]:
            row.append(" ".join(e[2].split()))
    print("\n".join("\t".join(r) for r in rows))
EOP
}

# The numbers, against Redis's own sums over the streams.
want_domains=$(rcli EVAL "local m, p, names = {}, {}, {}
	for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
		local f, from, c, pass = e[2], nil, 0, false
		for i = 1, #f, 2 do
			if f[i] == 'header_from' then from = string.lower(f[i + 1])
			elseif f[i] == 'count' then c = tonumber(f[i + 1])
			elseif (f[i] == 'policy_dkim' or f[i] == 'policy_spf') and f[i + 1] == 'pass' then pass = true end
		end
		if not m[from] then m[from] = 0 p[from] = 0 names[#names + 1] = from end
		m[from] = m[from] + c
		if pass then p[from] = p[from] + c end
	end
	table.sort(names)
	local out = {}
	for _, d in ipairs(names) do out[#out + 1] = d .. ' ' .. m[d] .. ' ' .. string.format('%.1f', 100 * p[d] / m[d]) end
	return table.concat(out, '|')" 1 '{pages}:records')
is "/: each domain's messages and DMARC pass, as the records add up" \
	"$(dom overview domains | paste -sd'|')" "$want_domains"
is "/: the reporters heard from, the hostile one as text" \
	"$(dom overview text | grep -c -F "Reporters: $hostile_org, Receiver One")" 1
is "/: the published policy of each domain" "$(dom overview text | grep -cx 'Policy p=quarantine sp=none pct=50')" 2
rows=$(dom domain rows:sources)
want_rows=$(for d in 2024-03-01 2024-03-02; do rcli --raw HGETALL "{pages}:rollup:$d:sender.test:sources"; done |
	paste - - | awk -F '\t' '{ m[$1] += $2 } END { for (a in m) print a, m[a] }' | sort)
is "/domain/: the sources table holds the rollups' sources and messages" \
	"$(printf '%s\n' "$rows" | awk -F '\t' '{ gsub(/,/, "", $6); print $1, $6 }' | sort)" "$want_rows"
is "/domain/: failing sources first: approved-fail, service-fail, unknown-fail, then pass" \
	"$(printf '%s\n' "$rows" | cut -f8 | awk '{ print $1 }' | uniq | paste -sd' ')" \
	"approved-fail service-fail unknown-fail pass"
ok "/domain/: what stands before p=reject names the approved sources that fail" \
	"$(dom domain text | grep -q 'Before p=reject: 2 approved sources fail DMARC: 192.0.2.30 (7 messages) and 192.0.2.31 (2 messages)'; echo $?)" \
	"$(dom domain text | grep -i 'p=reject' | head -2)"
is "/domain/: the DKIM and SPF domains with their pass rates" "$(dom domain rows:auth | tr '\t' ' ' | paste -sd'|')" \
	"spf sender.test 109 82.6 %|dkim sender.test 90 100.0 %|dkim sendgrid.net 6 100.0 %"
want_tls=$(rcli EVAL "local s = 0
	for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
		for i = 1, #e[2], 2 do
			if e[2][i] == 'successful_sessions' or e[2][i] == 'failed_sessions' then s = s + tonumber(e[2][i + 1]) end
		end
	end
	return s" 1 '{pages}:tlsrpt')
is "/tls: the sessions, as the TLS records add up" "$(dom tls domains)" "sender.test $want_tls -"
is "/tls: the failure details by MX host, hostile names as text" "$(dom tls rows:mx | paste -sd'|')" \
	"$(printf 'javascript:alert(4)\t7|"><img src=x onerror=alert(5)>\t3')"
is "/failures: the stored failure report, its hostile fields as text" \
	"$(dom failures text | grep -c -F -e '<script>alert(6)</script>' -e '"><img src=x onerror=alert(7)>' -e 'dns; </style><b>javascript:alert(8)</b>')" 3

# Nothing the reports said became markup.
for p in overview domain tls failures; do
	is "$p: no script, image, event handler or javascript: link in the DOM Chromium built" "$(dom $p scripts)" 0
done
is "/domain/: the hostile PTR, AS and service are text in their cells" \
	"$(printf '%s\n' "$rows" | grep '^203.0.113.99' | cut -f2-5)" \
	"$(printf '<script>alert(9)</script>.example (unconfirmed)\tEvil<svg onload=alert(13)>\t"><img src=x onerror=alert(11)>\tAS64500 </style><script>alert(12)</script>')"

# --- HTTP at its edges ---------------------------------------------------------------------
headers=$(curl -s -I "$base/")
ok "HEAD /: 200 with the policy that forbids scripts, frames and requests elsewhere" \
	"$(printf '%s' "$headers" | grep -q "^HTTP/1.1 200" && printf '%s' "$headers" |
		grep -qi "^Content-Security-Policy: default-src 'none'; style-src 'nonce-[A-Za-z0-9_-]*'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"; echo $?)" \
	"$headers"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
is "404 for unknown paths, domains not ours, names that are none; 400 for a junk range; 405 for POST" \
	"$(code "$base/nope") $(code "$base/domain/not-ours.test") $(code "$base/domain/%3Cscript%3E") $(code "$base/?days=1e9") $(code -X POST "$base/")" \
	"404 404 404 400 405"
long=$(head -c 10240 /dev/zero | tr '\0' a)
is "a 10 kB path: 404, and the server answers after it" "$(code "$base/domain/$long") $(code "$base/")" "404 200"

# http_allow: a second instance that lets 192.0.2.1 alone in.
sed "s/^metrics_listen = .*/metrics_listen = 127.0.0.1:$((port + 1))/" "$work/c.conf" > "$work/allow.conf"
echo "http_allow = 192.0.2.1, 2001:db8::/32" >> "$work/allow.conf"
"$CONSUME" -c "$work/allow.conf" -v 2> "$work/allow.err" &
allow_pid=$!
bg_pids="$bg_pids $allow_pid"
wait_for 20 grep -q "event=listen .*allow=" "$work/allow.err" || bail_out "the second instance did not listen: $(tail -3 "$work/allow.err")"
curl -s -m 5 -o /dev/null "http://127.0.0.1:$((port + 1))/"
is "http_allow without 127.0.0.1: the connection is closed without an answer (curl 52 or 56)" \
	"$(case $? in 52|56) echo refused ;; *) echo "curl $?" ;; esac)" refused
kill "$allow_pid"
wait "$allow_pid"
bg_pids=${bg_pids/ $allow_pid/}
sed -i 's|^http_allow = .*|http_allow = 192.0.2.1/33|' "$work/allow.conf"
"$CONSUME" -c "$work/allow.conf" --once 2> "$work/allow.err"
is "a network that is none: exit 78, naming it" "$? $(cat "$work/allow.err")" \
	"78 dmarc-consume: config: $work/allow.conf: http_allow: \"192.0.2.1/33\" is no address or network"

# --- the README's nginx example in front: a password for the pages, /metrics for Prometheus alone ---
# The block's commands as written but for the paths (the test's own), htpasswd
# given the password on its command line (there is no terminal to type it),
# and a private nginx started instead of the system's reloaded.
if command -v nginx > /dev/null && command -v htpasswd > /dev/null; then
	nport=$((port + 2))
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 \
		-subj /CN=dmarc.example.com 2> /dev/null
	mkdir -p "$work/nginx/sites-enabled" "$work/nginx/tmp"
	readme_block nginx | sed -n 's|^htpasswd -c -B /etc/nginx/|htpasswd -b -c -B '"$work"'/nginx/|p' |
		sed 's/ alice$/ alice alice-password/' | sh 2> "$work/htpasswd.err"
	readme_block nginx | sed -n 's|^chown root:www-data /etc/nginx/.*|&|p' | sed "s|/etc/nginx/|$work/nginx/|g" | sh
	readme_block nginx | sed -n 's|^cp contrib/|cp '"$top_srcdir"'/contrib/|p' | sed "s| /etc/nginx/| $work/nginx/|" | sh
	# nginx's workers (www-data) go through the test's directories as they would through /etc.
	chmod 711 "$work" "$work/nginx"
	sed -i "s|listen 443 ssl;|listen 127.0.0.1:$nport ssl;|; /listen \[::\]:443/d;
		s|/etc/letsencrypt/live/dmarc.example.com/fullchain.pem|$work/cert.pem|;
		s|/etc/letsencrypt/live/dmarc.example.com/privkey.pem|$work/key.pem|;
		s|/etc/nginx/|$work/nginx/|; s|127.0.0.1:9797|127.0.0.1:$port|" "$work/nginx/sites-enabled/dmarc-consume.conf"
	# The main file as Debian's /etc/nginx/nginx.conf has it where it matters: workers as www-data.
	cat > "$work/nginx/nginx.conf" << EON
user www-data;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
worker_processes 1;
events {}
http {
	access_log off;
	client_body_temp_path $work/nginx/tmp/body;
	proxy_temp_path $work/nginx/tmp/proxy;
	fastcgi_temp_path $work/nginx/tmp/fastcgi;
	uwsgi_temp_path $work/nginx/tmp/uwsgi;
	scgi_temp_path $work/nginx/tmp/scgi;
	include $work/nginx/sites-enabled/*.conf;
}
EON
	nginx -t -c "$work/nginx/nginx.conf" -p "$work/nginx" 2> "$work/nginx-t.err"
	ok "nginx -t accepts the shipped site" $? "$(tail -3 "$work/nginx-t.err")"
	nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' 2>> "$work/nginx/error.log" &
	nginx_pid=$!
	bg_pids="$bg_pids $nginx_pid"
	https() { curl -sk -o /dev/null -w '%{http_code}' "$@"; }
	wait_for 20 eval '[ "$(https "https://127.0.0.1:$nport/")" != 000 ]' || bail_out "nginx did not answer: $(tail -3 "$work/nginx/error.log")"
	is "through nginx: 401 without the password, 200 with it, 403 for POST and for /metrics from elsewhere" \
		"$(https "https://127.0.0.1:$nport/") $(https -u alice:alice-password "https://127.0.0.1:$nport/domain/sender.test") $(https -u alice:alice-password -X POST "https://127.0.0.1:$nport/") $(https "https://127.0.0.1:$nport/metrics")" \
		"401 200 403 403"
	kill "$nginx_pid"
	wait "$nginx_pid"
	bg_pids=${bg_pids/ $nginx_pid/}
else
	echo "ok - nginx -t accepts the shipped site # SKIP nginx or htpasswd is not installed (tests/tools/install-deps installs them)"
	echo "ok - through nginx # SKIP nginx or htpasswd is not installed (tests/tools/install-deps installs them)"
fi

# Slow clients hold connections to / while dmarc-pipe writes: consumption goes on.
"$PY" - "$port" > "$work/attack.log" 2>&1 << 'EOP' &
import socket, sys, time
port, held = int(sys.argv[1]), []
for i in range(300):
    try:
        s = socket.socket(); s.settimeout(5); s.connect(("127.0.0.1", port))
        s.send(b"GET /domain/sender.test?days=90 HTTP/1.1\r\nHost: x\r\n"); held.append(s)
    except OSError:
        pass
for r in range(6):
    for s in held:
        try: s.send(b"X")
        except OSError: pass
    time.sleep(1)
print("held", len(held))
EOP
attack=$!
bg_pids="$bg_pids $attack"
attacked() { [ "$(ss -Htn state established "( dport = :$port )" | wc -l)" -ge 150 ]; }
wait_for 30 attacked || echo "# fewer than 150 attacking connections after 30 s"
report r-4 $((day2 + 86400)) sender.test "Receiver One" "192.0.2.10|20|pass|pass" | deliver
is "dmarc-pipe stores during the attack" $? 0
rolled_more() { [ "$(rcli HGET '{pages}:rollup:2024-03-03:sender.test' messages)" = 20 ]; }
wait_for 30 rolled_more
is "the sources sink rolls it up meanwhile" "$(rcli HGET '{pages}:rollup:2024-03-03:sender.test' messages)" 20
wait "$attack"
answers() { [ "$(code -m 5 "$base/")" = 200 ]; }
wait_for 20 answers
ok "once the slow clients are gone, the pages answer: $(cat "$work/attack.log")" "$(answers; echo $?)"
is "no command refused by the README's rules (ACL LOG)" "$(acl_refusals "$sock" | tr '\n' ' ')" ""
