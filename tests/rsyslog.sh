#!/bin/bash
# A real rsyslogd on a private socket with the shipped rsyslog snippet (paths
# substituted) receives dmarc-pipe's record lines: one line per record, in a
# file of their own, hostile text escaped.  TAP.
. "${srcdir:-.}/tests/lib/common.sh"

command -v rsyslogd > /dev/null || skip_all "rsyslogd is not installed (tests/tools/install-deps installs it)"

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
wait_for 10 test -S "$work/log.sock" || bail_out "rsyslogd did not start: $(tr '\n' ' ' < "$work/rsyslogd.out")"

syslog_checks "$work/log.sock" "$work/log"
