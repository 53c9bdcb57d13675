#!/bin/bash
# Dovecot Pigeonhole's sieve-test runs the shipped Sieve script: the report
# is filed in DMARC and piped to dmarc-pipe; when that fails the copy in
# DMARC is what a replay stores.  TAP.
. "${srcdir:-.}/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "sieve-test runs the pipe as another user, which needs root"
command -v sieve-test > /dev/null || skip_all "sieve-test is not installed (tests/install-deps installs dovecot-sieve)"
command -v redis-server > /dev/null || skip_all "redis-server is not installed"
id dmarc > /dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin dmarc ||
	skip_all "cannot create the user dmarc"

xlen() { redis-cli -s "$work/redis.sock" XLEN '{dmarc}:records'; }
sieve() {	# sieve MESSAGE: deliver it with the shipped script
	sieve-test -c "$work/dovecot.conf" -e -l "maildir:$work/Maildir" "$work/dmarc-pipe.sieve" "$1" \
		> "$work/sieve.log" 2>&1
}
filed() { find "$work/Maildir/.DMARC" -path '*/new/*' -type f | wc -l; }

echo "1..7"
chmod 755 "$work"
redis_start "$work/redis.sock" --unixsocketperm 777 || exit 1
mkdir -p "$work/bin" "$work/Maildir"
cp "$DMARC_PIPE" "$work/bin/dmarc-pipe.real"
printf 'syslog = no\nredis_socket = %s\n' "$work/redis.sock" > "$work/dmarc-pipe.conf"
# sieve_pipe_bin_dir holds what Sieve may run: here a wrapper naming the configuration.
printf '#!/bin/sh\nexec %s/bin/dmarc-pipe.real -c %s/dmarc-pipe.conf "$@"\n' "$work" "$work" > "$work/bin/dmarc-pipe"
chmod 755 "$work/bin/dmarc-pipe" "$work/bin/dmarc-pipe.real"
chmod 644 "$work/dmarc-pipe.conf"
chown dmarc "$work/Maildir"
cp "$top_srcdir/contrib/dmarc-pipe.sieve" "$work/"
cat > "$work/dovecot.conf" <<EOC
protocols =
mail_uid = dmarc
mail_gid = $(id -g dmarc)
mail_location = maildir:$work/Maildir
plugin {
  sieve_plugins = sieve_extprograms
  sieve_extensions = +vnd.dovecot.pipe
  sieve_pipe_bin_dir = $work/bin
  sieve_pipe_exec_timeout = 120s
}
EOC

sieve "$FIXTURES/mail-zip.eml"
ok "the script runs" $? "$(tail -3 "$work/sieve.log")"
is "the report is filed in DMARC" "$(filed)" 1
is "and its records stored" "$(xlen)" 2

mv "$work/redis.sock" "$work/redis.sock.away"
sieve "$FIXTURES/mail-two-reports.eml"
ok "Redis away: the pipe fails but delivery goes on (:try)" \
	"$(grep -q 'final result: success' "$work/sieve.log"; echo $?)" "$(tail -3 "$work/sieve.log")"
is "the report is kept in DMARC" "$(filed)" 2
mv "$work/redis.sock.away" "$work/redis.sock"
"$work/bin/dmarc-pipe" $(find "$work/Maildir/.DMARC" -path '*/new/*' -type f) > /dev/null 2>&1
ok "replaying the folder exits 0" $?
is "and stores what was missing, once" "$(xlen)" 3
