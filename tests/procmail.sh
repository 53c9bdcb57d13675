#!/bin/bash
# procmail with the shipped recipe (paths substituted) piping report mail to
# dmarc-pipe, into a real Redis.  TAP.
. "${srcdir:-.}/tests/lib.sh"

command -v procmail > /dev/null || skip_all "procmail is not installed (tests/install-deps installs it)"
command -v redis-server > /dev/null || skip_all "redis-server is not installed"

xlen() { redis-cli -s "$work/redis.sock" XLEN '{dmarc}:records'; }

echo "1..7"
redis_start "$work/redis.sock" || exit 1
printf 'syslog = no\nredis_socket = %s\n' "$work/redis.sock" > "$work/dmarc-pipe.conf"
sed -e "s|@bindir@|$top_builddir/src|g" -e "s|@sysconfdir@|$work|g" \
	"$top_srcdir/procmail/dmarc-pipe.rc.in" > "$work/procmailrc"
# A procmail that delivers anything to a mailbox has lost track of the report.
export MAILDIR=$work/mail DEFAULT=$work/mail/default
mkdir "$MAILDIR"

procmail -m "$work/procmailrc" < "$FIXTURES/mail-zip.eml"
is "report mail: procmail exits 0" $? 0
is "its records are stored" "$(xlen)" 2

procmail -m "$work/procmailrc" < "$FIXTURES/mail-no-report.eml"
is "mail without a report: procmail exits 0" $? 0

mv "$work/redis.sock" "$work/redis.sock.away"
procmail -m "$work/procmailrc" < "$FIXTURES/mail-two-reports.eml" 2> "$work/err"
is "Redis unreachable: procmail exits 75 (the MTA retries)" $? 75
is "and files the message nowhere" "$(ls "$MAILDIR" | wc -l)" 0
mv "$work/redis.sock.away" "$work/redis.sock"
procmail -m "$work/procmailrc" < "$FIXTURES/mail-two-reports.eml"
is "the retry exits 0" $? 0
is "and stores what was missing, once" "$(xlen)" 3
