#!/bin/bash
# A real syslog-ng on a private socket with the shipped syslog-ng snippet
# (paths substituted) receives dmarc-pipe's record lines: one line per
# record, in a file of their own, hostile text escaped.  TAP.
#
# syslog-ng conflicts with rsyslog as a Debian package, so tests/tools/install-deps
# unpacks it privately (DP_SYSLOG_NG); a syslog-ng on the PATH is used too.
. "${srcdir:-.}/tests/lib/common.sh"

root=${DP_SYSLOG_NG:-/var/cache/dmarc-pipe-tests/syslog-ng}
if [ -x "$root/usr/sbin/syslog-ng" ]; then
	sng() {
		LD_LIBRARY_PATH=$root/usr/lib/syslog-ng "$root/usr/sbin/syslog-ng" \
			--module-path="$(echo "$root"/usr/lib/syslog-ng/3.*)" "$@"
	}
elif command -v syslog-ng > /dev/null; then
	sng() { syslog-ng "$@"; }
else
	skip_all "syslog-ng is not there (tests/tools/install-deps unpacks it into $root)"
fi

echo "1..7"
mkdir "$work/log"
sed "s|/var/log/dmarc-pipe|$work/log|g" "$top_srcdir/contrib/syslog-ng-dmarc-pipe.conf" > "$work/dmarc-pipe.conf.sng"
# The snippet reads from the source Debian's syslog-ng.conf calls s_src.
cat > "$work/syslog-ng.conf" <<EOC
@version: 3.38
options { keep-hostname(yes); };
source s_src { unix-dgram("$work/log.sock"); };
@include "$work/dmarc-pipe.conf.sng"
EOC
sng -F --no-caps -f "$work/syslog-ng.conf" -R "$work/persist" -p "$work/syslog-ng.pid" -c "$work/ctl" \
	> "$work/syslog-ng.out" 2>&1 &
bg_pids="$bg_pids $!"
wait_for 10 test -S "$work/log.sock" || bail_out "syslog-ng did not start: $(tr '\n' ' ' < "$work/syslog-ng.out")"
# $! is the subshell running sng: syslog-ng itself is stopped by the PID it wrote.
wait_for 5 test -s "$work/syslog-ng.pid" || bail_out "syslog-ng wrote no PID file"
bg_pids="$(cat "$work/syslog-ng.pid" 2> /dev/null) $bg_pids"

syslog_checks "$work/log.sock" "$work/log"
