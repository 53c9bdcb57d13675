#!/bin/sh
# `make install` puts the program, the man pages, the sample configuration
# and the MTA examples in place, with the configured paths filled in, and
# never overwrites an existing dmarc-pipe.conf.  TAP.
. "${srcdir:-.}/tests/lib.sh"

dest=$work/root
inst() { ${MAKE:-make} -C "$top_builddir" install DESTDIR="$dest" > "$work/install.log" 2>&1; }
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
sysconfdir=$(sed -n 's/^sysconfdir = //p' "$top_builddir/Makefile" | sed "s|\${prefix}|$prefix|")

echo "1..7"
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
