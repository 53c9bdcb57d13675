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

syslog_checks "$work/log.sock" "$work/log"
