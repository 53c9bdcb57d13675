#!/bin/bash
# A real rsyslogd on a private socket with the shipped rsyslog snippet (paths
# substituted) receives dmarc-pipe's record lines: one line per record, in a
# file of their own, hostile text escaped.  TAP.
. "${srcdir:-.}/tests/lib.sh"

command -v rsyslogd > /dev/null || skip_all "rsyslogd is not installed (tests/install-deps installs it)"

echo "1..7"
mkdir "$work/log" "$work/spool"
sed "s|/var/log/dmarc-pipe|$work/log|g" "$top_srcdir/contrib/rsyslog-dmarc-pipe.conf" > "$work/30-dmarc-pipe.conf"
cat > "$work/rsyslog.conf" <<EOC
global(workDirectory="$work/spool")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$work/log.sock" CreatePath="on")
include(file="$work/30-dmarc-pipe.conf")
EOC
rsyslogd -n -f "$work/rsyslog.conf" -i "$work/rsyslogd.pid" > "$work/rsyslogd.out" 2>&1 &
bg_pids="$bg_pids $!"
for i in $(seq 200); do [ -S "$work/log.sock" ] && break; sleep 0.05; done
[ -S "$work/log.sock" ] || { sed 's/^/# /' "$work/rsyslogd.out"; exit 1; }

printf 'syslog_socket = %s\nsyslog_ident = dmarc-pipe\n' "$work/log.sock" > "$work/dmarc-pipe.conf"
"$DMARC_PIPE" -c "$work/dmarc-pipe.conf" "$top_srcdir/tests/data/hostile-text.xml" \
	"$top_srcdir/tests/data/rfc7489.xml" "$FIXTURES/mail-no-report.eml"
is "dmarc-pipe exits 0" $? 0
# rsyslog writes asynchronously: wait for the three summaries.
for i in $(seq 200); do
	[ "$(grep -c 'event=summary' "$work/log/dmarc-pipe.log" 2> /dev/null)" -ge 3 ] &&
		[ "$(wc -l < "$work/log/records.log" 2> /dev/null)" -ge 3 ] && break
	sleep 0.05
done
records=$work/log/records.log
is "one line per record in records.log" "$(wc -l < "$records")" 3
is "every line of it is a record line" "$(grep -c ' event=record rid=' "$records")" 3
hostile=$(grep 'rid="e873015abdd81d9d7077e9c2ed0ab79d"' "$records")
is "hostile org_name arrives escaped, on its own line" \
	"$(printf '%s' "$hostile" | grep -c 'org_name="Evil \\"Org\\" \\\\ \\] name\\ninjected=1\\r\\ttab"')" 1
is "no raw control byte in records.log" "$(LC_ALL=C grep -c '[[:cntrl:]]' "$records")" 0
is "summaries go to the other file" "$(grep -c 'event=summary' "$work/log/dmarc-pipe.log")" 3
is "the message without a report is logged as rejected" \
	"$(grep -c 'event=summary status=rejected reason="no DMARC report found"' "$work/log/dmarc-pipe.log")" 1
