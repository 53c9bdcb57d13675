# Real Postfix instances for the tests (sourced after common.sh): each in its
# own directories under $work, configured from the files in postfix/ with
# only paths (and the rua addresses) substituted, without an SMTP listener.
# Mail goes in with pf_submit; pf_count reads an instance's log.

# The checks every Postfix test makes first (skip_all when one fails).
pf_requirements() {
	[ "$(id -u)" -eq 0 ] || skip_all "Postfix needs root to start"
	command -v postfix > /dev/null || skip_all "postfix is not installed (tests/tools/install-deps installs it)"
	command -v redis-server > /dev/null || skip_all "redis-server is not installed"
	[ -f /usr/share/postfix/master.cf.dist ] || skip_all "no /usr/share/postfix/master.cf.dist"
	# The shipped master.cf runs dmarc-pipe as the user dmarc, with the group redis.
	getent group redis > /dev/null || skip_all "no group redis (the redis-server package makes it)"
	need_user dmarc --system --home-dir /nonexistent --shell /usr/sbin/nologin ||
		skip_all "cannot create the user dmarc"
	# The unprivileged user must reach everything dmarc-pipe uses; the build
	# tree may sit where it cannot go: a copy of the program here.
	chmod 755 "$work"
	mkdir -p "$work/bin"
	cp "$DMARC_PIPE" "$work/bin/dmarc-pipe"
}

pf_instances=
cleanup_hook() {
	local pf
	for pf in $pf_instances; do
		postfix -c "$pf/etc" stop > /dev/null 2>&1
		[ -f "$pf/queue/pid/master.pid" ] && kill "$(tr -d ' ' < "$pf/queue/pid/master.pid")" 2> /dev/null
	done
}

# pf_init DIR [main.cf lines...]: an instance's directories and its
# configuration without anything of ours: Debian's master.cf without the
# SMTP listener and chroot, and a main.cf of paths.
pf_init() {
	local pf=$1
	shift
	mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
	chown postfix "$pf/data"
	pf_instances="$pf_instances $pf"
	{
		cat <<-EOC
		compatibility_level = 3.6
		queue_directory = $pf/queue
		data_directory = $pf/data
		command_directory = /usr/sbin
		daemon_directory = /usr/lib/postfix/sbin
		mail_owner = postfix
		setgid_group = postdrop
		myhostname = mx.test.example
		mydestination =
		inet_interfaces = loopback-only
		smtputf8_enable = no
		maillog_file_prefixes = $pf
		maillog_file = $pf/maillog
		EOC
		printf '%s\n' "$@"
	} > "$pf/etc/main.cf"
	sed -e 's/^smtp\( *\)inet/#smtp\1inet/' -e 's/^\([a-z][-a-z]* *[-a-z]* *[-yn] *[-yn] *\)y/\1n/' \
		/usr/share/postfix/master.cf.dist > "$pf/etc/master.cf"
}

# pf_run DIR: start it; false, with its log, when it does not start.
pf_run() {
	postfix -c "$1/etc" check 2>&1 | sed 's/^/# /'
	if ! postfix -c "$1/etc" start > "$work/start.log" 2>&1; then
		sed 's/^/# /' "$work/start.log" "$1/maillog"
		return 1
	fi
}

# pf_start DIR SYSCONFDIR [main.cf lines...]: an instance in DIR whose
# dmarc transport runs $work/bin/dmarc-pipe -c SYSCONFDIR/dmarc-pipe.conf,
# with the shipped main.cf and master.cf lines.
pf_start() {
	local pf=$1 sysconfdir=$2
	shift 2
	pf_init "$pf" "$@"
	sed "s|/etc/postfix|$pf/etc|g" "$top_srcdir/postfix/main.cf" >> "$pf/etc/main.cf"
	sed -e "s|@bindir@|$work/bin|g" -e "s|@sysconfdir@|$sysconfdir|g" \
		"$top_srcdir/postfix/master.cf.in" >> "$pf/etc/master.cf"
	sed -e "s|dmarc-reports@example.com|dmarc@sender.example|" -e "s|dmarc-failures@example.com|ruf@sender.example|" \
		-e "s|tls-reports@example.com|tlsrpt@sender.example|" "$top_srcdir/postfix/transport" > "$pf/etc/transport"
	postmap -c "$pf/etc" "$pf/etc/transport"
	pf_run "$pf"
}

# pf_submit DIR FILE [RECIPIENT]
pf_submit() { sendmail -C "$1/etc" -f noreply-dmarc@receiver.example "${3:-dmarc@sender.example}" < "$2"; }

# pf_count DIR STATUS: final dmarc deliveries with that status (sent, deferred, bounced) in DIR's log.
pf_count() { grep -c "relay=dmarc, .* status=$2" "$1/maillog" 2> /dev/null; }
