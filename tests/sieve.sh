#!/bin/bash
# Dovecot Pigeonhole's sieve-test runs the shipped Sieve script as the mail
# user (the existing account nobody): the report is filed in DMARC and
# piped to dmarc-pipe through the README's wrapper in sieve_pipe_bin_dir,
# which names a configuration only the mail user can read; dmarc-pipe
# reaches Redis over TCP as the ACL user dmarc-pipe with exactly the
# README's rules.  When the pipe fails, the copy in DMARC is what a replay
# stores.  TAP.
. "${srcdir:-.}/tests/lib/common.sh"

[ "$(id -u)" -eq 0 ] || skip_all "sieve-test runs the pipe as another user, which needs root"
command -v sieve-test > /dev/null || skip_all "sieve-test is not installed (tests/tools/install-deps installs dovecot-sieve)"
command -v redis-server > /dev/null || skip_all "redis-server is not installed"
mail_user=nobody mail_group=$(id -gn nobody 2> /dev/null) || skip_all "no account nobody"

sieve() {	# sieve MESSAGE: deliver it with the shipped script
	sieve-test -c "$work/dovecot.conf" -e -l "maildir:$work/Maildir" "$work/dmarc-pipe.sieve" "$1" \
		> "$work/sieve.log" 2>&1
}
filed() { find "$work/Maildir/.DMARC" -path '*/new/*' -type f | wc -l; }

echo "1..8"
chmod 755 "$work"
mailbox_redis_start || exit 1
xlen() { redis-cli -s "$work/redis.sock" XLEN '{dmarc}:records'; }

mkdir -p "$work/bin" "$work/sieve-pipe" "$work/Maildir"
cp "$DMARC_PIPE" "$work/bin/dmarc-pipe"
# The README's wrapper and configuration, paths moved under $work.
printf '#!/bin/sh\nexec %s/bin/dmarc-pipe -c %s/dmarc-pipe-sieve.conf\n' "$work" "$work" > "$work/sieve-pipe/dmarc-pipe"
chmod 755 "$work/sieve-pipe/dmarc-pipe"
printf 'redis_host = 127.0.0.1\nredis_port = %s\nredis_username = dmarc-pipe\nredis_password = pipe-password\nsyslog = no\n' \
	"$port" > "$work/dmarc-pipe-sieve.conf"
chown "$mail_user:" "$work/dmarc-pipe-sieve.conf" && chmod 600 "$work/dmarc-pipe-sieve.conf"
chown "$mail_user" "$work/Maildir"
cp "$top_srcdir/contrib/dmarc-pipe.sieve" "$work/"
cat > "$work/dovecot.conf" <<EOC
protocols =
mail_uid = $mail_user
mail_gid = $mail_group
mail_location = maildir:$work/Maildir
plugin {
  sieve_plugins = sieve_extprograms
  sieve_extensions = +vnd.dovecot.pipe
  sieve_pipe_bin_dir = $work/sieve-pipe
  sieve_pipe_exec_timeout = 120s
}
EOC

sieve "$FIXTURES/mail-zip.eml"
ok "the script runs" $? "$(tail -3 "$work/sieve.log")"
is "the report is filed in DMARC" "$(filed)" 1
is "and its records stored, by the ACL user dmarc-pipe" "$(xlen)" 2

redis-cli -s "$work/redis.sock" ACL SETUSER dmarc-pipe off > /dev/null
sieve "$FIXTURES/mail-two-reports.eml"
ok "Redis refusing dmarc-pipe: the pipe fails but delivery goes on (:try)" \
	"$(grep -q 'final result: success' "$work/sieve.log"; echo $?)" "$(tail -3 "$work/sieve.log")"
is "the report is kept in DMARC" "$(filed)" 2
redis-cli -s "$work/redis.sock" ACL SETUSER dmarc-pipe on > /dev/null
# The replay, as the mail user, with the same configuration: the README's backfill of the folder.
setpriv --reuid="$mail_user" --regid="$mail_group" --clear-groups -- \
	"$work/bin/dmarc-pipe" -c "$work/dmarc-pipe-sieve.conf" "$work/Maildir/.DMARC" > /dev/null 2>&1
ok "replaying the folder exits 0" $?
is "and stores what was missing, once" "$(xlen)" 3
is "no command refused by the README's rules (ACL LOG)" "$(acl_refusals "$work/redis.sock" | tr '\n' ' ')" ""
