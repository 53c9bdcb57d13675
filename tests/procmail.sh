#!/bin/bash
# procmail with the shipped recipe (paths substituted) piping report mail to
# dmarc-pipe, run as Postfix's local(8) runs it: as the mailbox's owner
# (an account the test makes, with its home under $work, and removes) with
# its own group only and the environment local(8) sets.  As the README says, it reaches Redis over TCP
# as the ACL user dmarc-pipe with exactly the README's rules, its password
# in ~/.dmarc-pipe.conf, mode 0600.  TAP.
. "${srcdir:-.}/tests/lib/common.sh"

[ "$(id -u)" -eq 0 ] || skip_all "running procmail as the mailbox's owner needs root"
command -v procmail > /dev/null || skip_all "procmail is not installed (tests/tools/install-deps installs it)"
command -v redis-server > /dev/null || skip_all "redis-server is not installed"
command -v useradd > /dev/null || skip_all "useradd is not installed"

echo "1..10"
chmod 755 "$work"
# procmail takes HOME from the account, so the account's home must be the test's.
owner=dmarc-pipe-mailbox
lock_users
id "$owner" > /dev/null 2>&1 && { echo "Bail out! the account $owner exists already (left by an interrupted test?)"; exit 1; }
need_user "$owner" --home-dir "$work/home" --no-create-home --user-group --shell /bin/sh || skip_all "cannot create an account"
group=$(id -gn "$owner")
mailbox_redis_start || exit 1
xlen() { redis-cli -s "$work/redis.sock" XLEN '{dmarc}:records'; }

# The program where the mailbox's owner can run it, the recipe, and the owner's home.
mkdir -p "$work/bin" "$work/home/mail"
cp "$DMARC_PIPE" "$work/bin/dmarc-pipe"
sed -e "s|@bindir@|$work/bin|g" "$top_srcdir/procmail/dmarc-pipe.rc.in" > "$work/procmailrc"
printf 'redis_host = 127.0.0.1\nredis_port = %s\nredis_username = dmarc-pipe\nredis_password = pipe-password\n' "$port" \
	> "$work/home/.dmarc-pipe.conf"
printf 'syslog = no\n' >> "$work/home/.dmarc-pipe.conf"
chown -R "$owner:$group" "$work/home"
chmod 700 "$work/home" && chmod 600 "$work/home/.dmarc-pipe.conf"
# A procmail that files anything in a mailbox has lost track of the report.
deliver() {
	setpriv --reuid="$owner" --regid="$group" --clear-groups -- env -i HOME="$work/home" LOGNAME="$owner" \
		USER="$owner" SHELL=/bin/sh PATH=/usr/bin:/bin MAILDIR="$work/home/mail" DEFAULT="$work/home/mail/default" \
		procmail -m "$work/procmailrc" < "$1"
}

deliver "$FIXTURES/mail-zip.eml"
is "report mail: procmail exits 0" $? 0
is "its records are stored, by the ACL user dmarc-pipe" "$(xlen)" 2

deliver "$FIXTURES/mail-no-report.eml"
is "mail without a report: procmail exits 0" $? 0
deliver "$FIXTURES/mail-broken-zip.eml"
is "a broken report: procmail exits 0, and it is counted" "$?/$(redis-cli -s "$work/redis.sock" HGET '{dmarc}:refused' none)" "0/1"

# Redis refusing the password (the user turned off) is a temporary failure.
redis-cli -s "$work/redis.sock" ACL SETUSER dmarc-pipe off > /dev/null
deliver "$FIXTURES/mail-two-reports.eml" 2> "$work/err"
is "Redis refusing dmarc-pipe: procmail exits 75 (the MTA retries)" $? 75
is "and files the message nowhere" "$(find "$work/home/mail" -type f | wc -l)" 0
redis-cli -s "$work/redis.sock" ACL SETUSER dmarc-pipe on > /dev/null
deliver "$FIXTURES/mail-two-reports.eml"
is "the retry exits 0" $? 0
is "and stores what was missing, once" "$(xlen)" 3

is "no command refused by the README's rules (ACL LOG)" "$(acl_refusals "$work/redis.sock" | tr '\n' ' ')" ""
is "the owner's config is the owner's alone" "$(stat -c '%U %a' "$work/home/.dmarc-pipe.conf")" "$owner 600"
