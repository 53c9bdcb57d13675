#!/bin/bash
# `make install` puts the program, the man pages, the sample configuration
# and the MTA examples in place, with the configured paths filled in, and
# never overwrites an existing dmarc-pipe.conf.  TAP.
. "${srcdir:-.}/tests/lib/common.sh"

dest=$work/root
inst() { ${MAKE:-make} -C "$top_builddir" install DESTDIR="$dest" > "$work/install.log" 2>&1; }
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
sysconfdir=$(sed -n 's/^sysconfdir = //p' "$top_builddir/Makefile" | sed "s|\${prefix}|$prefix|")
# The sample gives services_table for ./configure's default prefix.
pkgdatadir=$prefix/share/dmarc-pipe

echo "1..17"
inst
ok "make install DESTDIR=..." $? "$(tail -3 "$work/install.log")"
ok "the program" "$([ -x "$dest$prefix/bin/dmarc-pipe" ]; echo $?)"
ok "both man pages" "$([ -f "$dest$prefix/share/man/man1/dmarc-pipe.1" ] && [ -f "$dest$prefix/share/man/man5/dmarc-pipe.conf.5" ]; echo $?)"
ok "the sample configuration in sysconfdir" "$([ -f "$dest$sysconfdir/dmarc-pipe.conf" ]; echo $?)"
master=$dest$prefix/share/doc/dmarc-pipe/examples/postfix/master.cf
ok "master.cf with the installed paths" \
	"$(grep -q "argv=$prefix/bin/dmarc-pipe -c $sysconfdir/dmarc-pipe.conf " "$master"; echo $?)"
echo "# the operator's own settings" > "$dest$sysconfdir/dmarc-pipe.conf"
inst
ok "reinstalling keeps an existing dmarc-pipe.conf" \
	"$(grep -qx '# the operator.s own settings' "$dest$sysconfdir/dmarc-pipe.conf"; echo $?)"
"$dest$prefix/bin/dmarc-pipe" -c "$top_srcdir/contrib/dmarc-pipe.conf" --dry-run < "$FIXTURES/mail-zip.eml" > /dev/null 2>&1
ok "the shipped sample configuration loads" $?

# The sample shows every key, commented out, with its default (an empty
# default as "key ="): compared with the programs' own tables, each
# program's --help listing the keys it reads.
for prog in dmarc-pipe dmarc-consume; do
	"$dest$prefix/bin/$prog" --help | sed -n 's/^  \([a-z_]*\) *= \(.*[^ ]\) *  # .*/\1=\2/p; s/^  \([a-z_]*\) *=  *  # .*/\1=/p'
done | sort -u | sed "s|^services_table=$pkgdatadir/|services_table=/usr/local/share/dmarc-pipe/|" > "$work/defaults"
# What both list is the shared keys alone (syslog and Redis).
for prog in dmarc-pipe dmarc-consume; do
	"$dest$prefix/bin/$prog" --help | sed -n 's/^  \([a-z_]*\) *= .*/\1/p' | sort > "$work/keys.$prog"
done
is "dmarc-pipe --help lists no dmarc-consume setting" "$(grep -c '^consume' "$work/keys.dmarc-pipe")" 0
is "the two programs share only the syslog and Redis settings, and our domains" \
	"$(comm -12 "$work/keys.dmarc-pipe" "$work/keys.dmarc-consume" | grep -Evx 'syslog|syslog_facility|syslog_socket|redis_[a-z_]*|key_prefix|report_domains' | tr '\n' ' ')" ""
sed -n 's/^#\([a-z_]*\) = \(.*\)$/\1=\2/p; s/^#\([a-z_]*\) =$/\1=/p' "$top_srcdir/contrib/dmarc-pipe.conf" | sort > "$work/sample"
is "the sample names every key with its default" "$(diff "$work/defaults" "$work/sample" | grep '^[<>]' | tr '\n' ' ')" ""
# The sample mails are installed beside the MTA snippets, to try a delivery.
ok "the sample mails in \$(docdir)/examples" "$(for m in sample-report.eml sample-tlsrpt.eml sample-failure.eml; do
	[ -f "$dest$prefix/share/doc/dmarc-pipe/examples/$m" ] || echo "$m"; done | grep -c .)"
# The shipped units as systemd reads them (systemd-analyze verify needs no running systemd),
# each command pointed at a program that is there.
if command -v systemd-analyze > /dev/null; then
	bad=$(for u in "$top_srcdir"/contrib/*.service; do
		sed "s|/usr/local/bin/dmarc-consume|$dest$prefix/bin/dmarc-consume|" "$u" > "$work/$(basename "$u")"
		systemd-analyze verify --man=no "$work/$(basename "$u")" 2>&1 | sed "s|^|$(basename "$u"): |"
	done)
	is "systemd-analyze verify: every shipped unit, no complaint" "$bad" ""
	is "dmarc-consume.service is Type=notify" "$(sed -n 's/^Type=//p' "$top_srcdir/contrib/dmarc-consume.service")" notify
else
	skip_point "systemd-analyze verify" "systemd-analyze is not installed (tests/tools/install-deps installs systemd)"
	skip_point "dmarc-consume.service is Type=notify" "systemd-analyze is not installed"
fi
ok "the services table in \$(pkgdatadir)" "$([ -s "$dest$pkgdatadir/services.tsv" ]; echo $?)"
# The installed dmarc-consume reads it where it was installed: a DESTDIR
# install is not at its place, so its default path is checked against it.
is "dmarc-consume's default services_table is the installed one" \
	"$("$dest$prefix/bin/dmarc-consume" --help | sed -n 's/^  services_table *= \([^ ]*\) .*/\1/p')" "$pkgdatadir/services.tsv"
ok "the dmarc-consume man page" "$([ -f "$dest$prefix/share/man/man8/dmarc-consume.8" ]; echo $?)"
# The man pages give the same ACL rules as the README (which the tests use).
missing=$(for prog in dmarc-pipe dmarc-consume; do
	case $prog in dmarc-pipe) page=$top_srcdir/src/pipe/dmarc-pipe.conf.5.in ;; *) page=$top_srcdir/src/consume/dmarc-consume.8.in ;; esac
	for rule in $(sed -n "s/^    user $prog on >[^ ]* //p" "$top_srcdir/README.md"); do
		grep -qF -- "$rule" "$page" || echo "$prog:$rule"
	done
done)
is "the man pages list the README's ACL rules" "$(echo $missing)" ""
