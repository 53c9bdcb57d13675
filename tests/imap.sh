#!/bin/bash
# The README's backfill from IMAP, as written: mbsync copies the folder
# DMARC from a real Dovecot IMAP server (started here, over TLS on a
# loopback port, with a certificate made here) to a local Maildir, and
# dmarc-pipe backfills it into Redis; run twice, every record is stored
# once and the server's mailbox is left as it was.  TAP.  Dovecot and
# Redis are stopped by PID.
. "${srcdir:-.}/tests/lib/common.sh"

[ "$(id -u)" -eq 0 ] || skip_all "dovecot serves mail as another user, which needs root"
command -v dovecot > /dev/null && [ -x /usr/lib/dovecot/imap ] ||
	skip_all "dovecot-imapd is not installed (tests/tools/install-deps installs it)"
command -v mbsync > /dev/null || skip_all "mbsync is not installed (tests/tools/install-deps installs isync)"
command -v openssl > /dev/null || skip_all "openssl is not installed"
command -v redis-server > /dev/null || skip_all "redis-server is not installed"
id dovenull > /dev/null 2>&1 && id dovecot > /dev/null 2>&1 || skip_all "no accounts dovecot and dovenull"
mail_user=nobody mail_group=$(id -gn nobody 2> /dev/null) || skip_all "no account nobody"
for b in backfill-mbsyncrc backfill-commands; do
	[ -n "$(readme_block "$b")" ] || bail_out "the README has no operator-test block '$b'"
done

echo "1..7"
chmod 755 "$work"
redis_start "$work/redis.sock" || bail_out "redis-server did not start"
rcli() { redis-cli -s "$work/redis.sock" "$@"; }
pick_ports 1
port=$port_base

# The server: its certificate, one user, the folder DMARC holding report mails.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
	-keyout "$work/key.pem" -out "$work/cert.pem" 2> /dev/null || bail_out "openssl could not make a certificate"
mkdir -p "$work/dovecot" "$work/imap/reports/Maildir/.DMARC/cur" "$work/imap/reports/Maildir/.DMARC/new"
echo 'reports:{PLAIN}imap-secret' > "$work/dovecot/passwd"
i=0
for f in "$FIXTURES"/*.eml; do
	[ -s "$f" ] || continue	# an empty file is no mail: mbsync would skip it
	i=$((i + 1))
	cp "$f" "$work/imap/reports/Maildir/.DMARC/cur/1764777600.M${i}P1.test,S=$(stat -c %s "$f"):2,S"
done
chown -R "$mail_user:$mail_group" "$work/imap"
cat > "$work/dovecot/dovecot.conf" <<EOC
base_dir = $work/dovecot/run
state_dir = $work/dovecot/state
log_path = $work/dovecot/log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <$work/cert.pem
ssl_key = <$work/key.pem
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
passdb {
  driver = passwd-file
  args = scheme=PLAIN $work/dovecot/passwd
}
userdb {
  driver = static
  args = uid=$mail_user gid=$mail_group home=$work/imap/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = $port
    ssl = yes
  }
}
EOC
messages() { find "$work/imap/reports/Maildir/.DMARC/cur" "$work/imap/reports/Maildir/.DMARC/new" -type f -printf '%P %s %T@\n' | sort | md5sum; }
server_before=$(messages)
dovecot -F -c "$work/dovecot/dovecot.conf" 2> "$work/dovecot/stderr" &
bg_pids="$bg_pids $!"
listening() { ss -Hltn "( sport = :$port )" | grep -q .; }
wait_for 20 listening || bail_out "dovecot did not listen on $port: $(cat "$work/dovecot/stderr" "$work/dovecot/log" 2> /dev/null | tail -5)"

# The operator: a home, the README's ~/.mbsyncrc pointed at this server, the password file.
home=$work/home
mkdir -p "$home"
readme_block backfill-mbsyncrc | sed \
	-e "s/^Host imap.example.com\$/Host localhost\nPort $port\nCertificateFile $(echo "$work" | sed 's/[\/&]/\\&/g')\/cert.pem/" \
	-e 's/^User .*/User reports/' > "$home/.mbsyncrc"
echo imap-secret > "$home/.imap-password"
chmod 600 "$home/.imap-password"
printf 'syslog = no\nredis_socket = %s\n' "$work/redis.sock" > "$work/dmarc-pipe.conf"
# The README's commands, as written but for where dmarc-pipe and its settings are.
readme_block backfill-commands | sed "s|^dmarc-pipe |\"$DMARC_PIPE\" -c $work/dmarc-pipe.conf |" > "$work/commands.sh"
grep -q '^mbsync old$' "$work/commands.sh" || bail_out "the README's commands changed: $(cat "$work/commands.sh")"

: > "$work/one.ndjson"
for f in "$FIXTURES"/*.eml; do [ -s "$f" ] && "$DMARC_PIPE" --dry-run --ndjson "$work/one.ndjson" < "$f" 2> /dev/null; done
distinct() { grep "\"kind\":\"$1\"" "$work/one.ndjson" | grep -o '"rid":"[0-9a-f]*","ord":[0-9]*' | sort -u | wc -l; }
want="$(distinct aggregate) $(distinct tlsrpt) $(distinct failure)"
stored() {
	echo "$(stream_uniq "$work/redis.sock" '{dmarc}:records' | cut -d' ' -f1)" \
	     "$(stream_uniq "$work/redis.sock" '{dmarc}:tlsrpt' | cut -d' ' -f1)" \
	     "$(stream_uniq "$work/redis.sock" '{dmarc}:failures' | cut -d' ' -f1)" \
	     "$(( $(rcli XLEN '{dmarc}:records') + $(rcli XLEN '{dmarc}:tlsrpt') + $(rcli XLEN '{dmarc}:failures') ))"
}

HOME=$home bash -e "$work/commands.sh" > "$work/run1.out" 2>&1
rc=$?
ok "the README's commands: mbsync, then dmarc-pipe: exit 0" $rc "$(tail -5 "$work/run1.out")"
is "mbsync copied every message of DMARC" "$(find "$home/dmarc-backfill/DMARC" -type f ! -name '.*' | wc -l)" "$i"
total=$(( $(echo $want | tr ' ' '+') ))
is "every record is stored (aggregate, TLS, failure: $want, in $i mails)" "$(stored)" "$want $total"
ok "the summary counts the messages" "$(grep -q "^dmarc-pipe: $i messages in " "$work/run1.out"; echo $?)" "$(tail -1 "$work/run1.out")"

HOME=$home bash -e "$work/commands.sh" > "$work/run2.out" 2>&1
rc=$?
ok "run again: exit 0" $rc "$(tail -5 "$work/run2.out")"
is "nothing stored twice" "$(stored)" "$want $total"
is "the server's messages are as they were (names, flags, sizes, times)" "$(messages)" "$server_before"
