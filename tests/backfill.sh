#!/bin/bash
# Backfill: dmarc-pipe FILE|DIR... over mboxes and Maildirs gives the
# records the messages give one by one, stores each once however often it
# is run or cut short, and says how it went.  TAP.  Starts its own
# redis-server on a private Unix socket and stops it by PID.
. "${srcdir:-.}/tests/lib/common.sh"

command -v redis-server > /dev/null && command -v redis-cli > /dev/null ||
	skip_all "redis-server is not installed (tests/tools/install-deps installs it)"
corpus=${DP_CORPUS:-$top_srcdir/../shared/corpus}
check=${DP_CORPUS_CHECK:-$corpus/../tools/corpus-check}

echo "1..27"

# mboxrd OUT FILE...: the files as one mbox, "From " lines quoted as mboxrd does.
cat > "$work/mboxrd.py" <<'PY'
import re, sys
with open(sys.argv[1], "wb") as out:
    for name in sys.argv[2:]:
        data = open(name, "rb").read()
        out.write(b"From MAILER-DAEMON Thu Dec  3 16:00:00 2026\n")
        for line in data.splitlines(True):
            out.write(b">" + line if re.match(rb">*From ", line) else line)
        if not data.endswith(b"\n"):
            out.write(b"\n")
        out.write(b"\n")
PY
mboxrd() { "${PYTHON3:-python3}" "$work/mboxrd.py" "$@"; }
# maildir DIR FILE...: the files as a Maildir's messages, half in new/, half in cur/.
maildir() {
	local dir=$1 i=0 f
	shift
	mkdir -p "$dir/new" "$dir/cur" "$dir/tmp"
	for f in "$@"; do
		i=$((i + 1))
		if [ $((i % 2)) -eq 0 ]; then
			cp "$f" "$dir/new/1764777600.M${i}P1.test"
		else
			cp "$f" "$dir/cur/1764777600.M${i}P1.test:2,S"
		fi
	done
}
# records FILE: the NDJSON lines, sorted, without what differs from run to run (none so far).
sorted() { LC_ALL=C sort "$1"; }

mails=$(ls "$FIXTURES"/*.eml)
bare=$(ls "$FIXTURES"/* | grep -v '\.eml$')
if [ -d "$corpus" ]; then
	mails="$mails $(ls "$corpus"/email/* "$corpus"/forensic/* "$corpus"/malformed/*.eml)"
	bare="$bare $(ls "$corpus"/aggregate/* "$corpus"/tlsrpt/* | grep -v '\.eml$')"
fi

# One by one, as the MTA would give them.
: > "$work/one.ndjson"
for f in $mails; do "$DMARC_PIPE" --dry-run --ndjson "$work/one.ndjson" < "$f" 2> /dev/null; done
cp "$work/one.ndjson" "$work/mails.ndjson"
for f in $bare; do "$DMARC_PIPE" --dry-run --ndjson "$work/one.ndjson" < "$f" 2> /dev/null; done
nmails=$(echo $mails | wc -w) nall=$(( $(echo $mails $bare | wc -w) ))
ok "the messages one by one give records ($nmails mails, $nall inputs)" $(( $(wc -l < "$work/mails.ndjson") < 20 ))

# 1. An mboxrd of every mail, and a Maildir of every input.
mboxrd "$work/all.mbox" $mails
"$DMARC_PIPE" --dry-run --no-progress --ndjson "$work/mbox.ndjson" "$work/all.mbox" 2> "$work/mbox.err"
rc=$?
ok "mboxrd of $nmails mails: exit 0" $(( rc != 0 )) "rc=$rc $(tail -3 "$work/mbox.err")"
ok "mboxrd: the records the mails give one by one" $(cmp -s <(sorted "$work/mails.ndjson") <(sorted "$work/mbox.ndjson"); echo $?)
ok "mboxrd: one summary per message, and the backfill's summary" \
	$(( $(grep -c 'event=summary' "$work/mbox.err") != nmails ||
	    ! $(grep -c "^dmarc-pipe: $nmails messages in " "$work/mbox.err") ))

# mboxo quotes only "From ": the same mails quoted that way.
sed 's/^>\(>*From \)/\1/' "$work/all.mbox" | sed 's/^\(From [^M]\)/>\1/' > "$work/all.mboxo"
"$DMARC_PIPE" --dry-run --no-progress --ndjson "$work/mboxo.ndjson" "$work/all.mboxo" 2> /dev/null
ok "mboxo: the same records" $(cmp -s <(sorted "$work/mails.ndjson") <(sorted "$work/mboxo.ndjson"); echo $?)

maildir "$work/Maildir" $mails $bare
echo 'half a delivery' > "$work/Maildir/tmp/1764777600.M0P1.test"
cp "$FIXTURES/mail-zip.eml" "$work/Maildir/cur/.hidden"
"$DMARC_PIPE" --dry-run --no-progress --ndjson "$work/maildir.ndjson" "$work/Maildir" 2> "$work/maildir.err"
rc=$?
ok "Maildir of $nall inputs: exit 0" $(( rc != 0 )) "rc=$rc $(tail -3 "$work/maildir.err")"
ok "Maildir: the records the inputs give one by one; tmp/ and dotfiles left out" \
	$(cmp -s <(sorted "$work/one.ndjson") <(sorted "$work/maildir.ndjson"); echo $?)
ok "Maildir: one summary per message" $(( $(grep -c 'event=summary' "$work/maildir.err") != nall ))
"$DMARC_PIPE" --dry-run --no-progress --jobs 2 --ndjson "$work/jobs2.ndjson" "$work/Maildir" "$work/all.mbox" 2> /dev/null
ok "--jobs 2 over both: the same records, no line torn" \
	$(cmp -s <(cat "$work/one.ndjson" "$work/mails.ndjson" | LC_ALL=C sort) <(sorted "$work/jobs2.ndjson"); echo $?)

# 2. The independent reader: corpus-check's reference against each corpus
#    input delivered inside a container, between two messages without reports.
if [ -d "$corpus" ] && [ -f "$check" ]; then
	cat > "$work/in-a-box" <<SH
#!/bin/bash
# in-a-box --dry-run --ndjson - FILE: FILE inside an mbox (a mail) or a Maildir (anything else).
f=\${!#} box=\$(mktemp -d "$work/box.XXXXXX")
if [ "\${f%.eml}" != "\$f" ]; then
	"${PYTHON3:-python3}" "$work/mboxrd.py" "\$box/in.mbox" "$FIXTURES/mail-no-report.eml" "\$f" "$FIXTURES/mail-no-report.eml"
	"$DMARC_PIPE" --no-progress "\${@:1:\$#-1}" "\$box/in.mbox"
else
	mkdir -p "\$box/new"
	cp "$FIXTURES/mail-no-report.eml" "\$box/new/1"; cp "\$f" "\$box/new/2"; cp "$FIXTURES/mail-no-report.eml" "\$box/new/3"
	"$DMARC_PIPE" --no-progress "\${@:1:\$#-1}" "\$box"
fi
rc=\$?
rm -rf "\$box"
exit \$rc
SH
	chmod +x "$work/in-a-box"
	"${PYTHON3:-python3}" "$check" --program "$work/in-a-box" --kinds all "$corpus" > "$work/check.out" 2>&1
	rc=$?
	ok "corpus-check with each input inside an mbox or a Maildir: $(tail -1 "$work/check.out")" $(( rc != 0 )) \
		"$(tail -5 "$work/check.out")"
else
	skip_point "corpus-check with each input inside an mbox or a Maildir" "no corpus at $corpus"
fi

# 3. Into Redis: once, however often it runs.
redis_start "$work/redis.sock" || bail_out "redis-server did not start"
printf 'syslog = no\nredis_socket = %s\n' "$work/redis.sock" > "$work/redis.conf"
rcli() { redis-cli -s "$work/redis.sock" "$@"; }
# A report in several inputs (the same one zipped and gzipped) is one report: distinct (rid, ord) per kind.
distinct() { grep "\"kind\":\"$1\"" "$work/one.ndjson" | grep -o '"rid":"[0-9a-f]*","ord":[0-9]*' | sort -u | wc -l; }
want_agg=$(distinct aggregate) want_tls=$(distinct tlsrpt) want_fail=$(distinct failure)
stored() { echo "$(rcli XLEN '{dmarc}:records') $(rcli XLEN '{dmarc}:tlsrpt') $(rcli XLEN '{dmarc}:failures')"; }
"$DMARC_PIPE" -c "$work/redis.conf" --no-progress "$work/Maildir" 2> "$work/run1.err"
rc=$?
is "Maildir into Redis: every record once ($want_agg aggregate, $want_tls TLS, $want_fail failure)" \
	"$(stored)" "$want_agg $want_tls $want_fail"
ok "first run: exit 0" $(( rc != 0 )) "rc=$rc $(tail -2 "$work/run1.err")"
"$DMARC_PIPE" -c "$work/redis.conf" --no-progress --jobs 2 "$work/Maildir" "$work/all.mbox" 2> "$work/run2.err"
rc=$?
is "second run (and the mbox of the same mails): nothing new" "$(stored)" "$want_agg $want_tls $want_fail"
ok "second run: exit 0, its summary counts no record and duplicates only" \
	$(( rc != 0 || ! $(grep -c "^dmarc-pipe: .*, records 0, duplicates [1-9]" "$work/run2.err") )) "$(tail -1 "$work/run2.err")"

# 4. Cut short at random points (kill -9 of the whole run), then run again: every record once.
mkdir -p "$work/big/new"
"${PYTHON3:-python3}" "$top_srcdir/tests/tools/make-fixtures" --synthetic-many 240 250 kill "$work/big/new" ||
	bail_out "make-fixtures --synthetic-many failed"
mboxrd "$work/big.mbox" "$work"/big/new/*.eml
rm -f "$work/big/new/"{1,2,3,4,5,6,7,8,9}[0-9].eml "$work/big/new/"1[0-9][0-9].eml	# the mbox holds them all, the Maildir 50
printf 'syslog = no\nredis_socket = %s\nkey_prefix = kill\n' "$work/redis.sock" > "$work/kill.conf"
kill_xlen() { rcli XLEN '{kill}:records'; }
past() { [ "$(kill_xlen)" -ge "$1" ]; }
for round in 1 2 3 4; do
	# Somewhere in the first half of what is left.
	left=$(( 60000 - $(kill_xlen) ))
	[ "$left" -gt 1 ] || break
	at=$(( $(kill_xlen) + 1 + RANDOM % (left / 2) ))
	if [ $((round % 2)) -eq 1 ]; then what="$work/big.mbox"; jobs=1; else what="$work/big"; jobs=2; fi
	setsid "$DMARC_PIPE" -c "$work/kill.conf" --no-progress --jobs $jobs "$what" "$work/big.mbox" 2> /dev/null &
	runner=$!
	wait_for 60 past "$at"
	kill -9 -- -"$runner" 2> /dev/null
	wait "$runner" 2> /dev/null
	killed_at="$killed_at $(kill_xlen)"
done
killed_at="records by then:$killed_at"

"$DMARC_PIPE" -c "$work/kill.conf" --no-progress --jobs 2 "$work/big" "$work/big.mbox" 2> "$work/kill.err"
rc=$?
is "four runs killed at random points ($killed_at), one more run: 60000 records, none twice" \
	"$(stream_uniq "$work/redis.sock" '{kill}:records')" "60000 0"
ok "the last run: exit 0" $(( rc != 0 )) "rc=$rc $(tail -1 "$work/kill.err")"

# 5. Redis gone: deferred, stopped early, said why; exit 75.  Back: the rest is stored.
printf 'syslog = no\nredis_socket = %s\nkey_prefix = gone\n' "$work/nothing.sock" > "$work/gone.conf"
"$DMARC_PIPE" -c "$work/gone.conf" --no-progress "$work/big" 2> "$work/gone.err"
rc=$?
ok "Redis down: exit 75" $(( rc != 75 )) "rc=$rc"
# How many are deferred before the stop lands depends on how fast the worker is: at least 10.
deferred=$(sed -n 's/^dmarc-pipe: .*, deferred \([0-9]*\)[,;].*/\1/p' "$work/gone.err" | tail -1)
ok "the summary says how many were deferred, the first reason, and that it stopped" \
	$(( ${deferred:-0} < 10 ||
	    ! $(grep -cE "^dmarc-pipe: .*deferred [0-9]+(, not tried [0-9]+)?; first deferral: .*nothing.sock.*; stopped after 10 deferrals in a row$" "$work/gone.err") )) \
	"$(tail -1 "$work/gone.err")"

# 6. Exit status for the command line.
"$DMARC_PIPE" --dry-run "$work/Maildir" /nonexistent/box 2> "$work/err" > /dev/null
rc=$?
ok "a path that is not there: 66 before anything is read" \
	$(( rc != 66 || $(grep -c event=summary "$work/err") != 0 )) "rc=$rc $(cat "$work/err")"
"$DMARC_PIPE" --dry-run --jobs 0 "$work/Maildir" 2> "$work/err" > /dev/null
ok "--jobs 0: 64" $(( $? != 64 ))
"$DMARC_PIPE" --dry-run --jobs 2 --ndjson - "$work/Maildir" 2> "$work/err" | cat > /dev/null
ok "--jobs 2 --ndjson - into a pipe: 64, saying why" \
	$(( ${PIPESTATUS[0]} != 64 || ! $(grep -c 'needs a file' "$work/err") ))

# 7. A truncated last message is what it is; the others are stored.
head -c -300 "$FIXTURES/mail-zip.eml" > "$work/cut.eml"
mboxrd "$work/cut.mbox" "$FIXTURES/mail-two-reports.eml" "$work/cut.eml"
mkdir -p "$work/q"
printf 'syslog = no\nredis_socket = %s\nkey_prefix = cut\nquarantine_dir = %s\n' "$work/redis.sock" "$work/q" > "$work/cut.conf"
"$DMARC_PIPE" -c "$work/cut.conf" --no-progress -v "$work/cut.mbox" 2> "$work/cut.err"
rc=$?
ok "an mbox cut short: exit 0, the whole message stored, the cut one refused" \
	$(( rc != 0 || $(rcli XLEN '{cut}:records') < 1 || ! $(grep -c 'input="[^"]*cut.mbox#2" ' "$work/cut.err") ||
	    ! $(grep 'input="[^"]*cut.mbox#2"' "$work/cut.err" | grep -c 'status=rejected') )) "$(grep event=summary "$work/cut.err")"
ok "the cut message is quarantined as it was in the mbox" \
	$(( $(ls "$work/q" | wc -l) != 1 )) "$(ls "$work/q")"
"$DMARC_PIPE" -c "$work/cut.conf" --no-progress "$work/cut.mbox" 2> /dev/null
ok "run again: still one file in the quarantine, named by its content" \
	$(( $? != 0 || $(ls "$work/q" | wc -l) != 1 || $(ls -a "$work/q" | grep -c '^\.new') != 0 )) "$(ls -a "$work/q")"

# 8. The progress line: on a terminal, redrawn in place; elsewhere, plain lines.
"$DMARC_PIPE" --dry-run --progress "$work/big" 2> "$work/progress.err" > /dev/null
ok "--progress into a file: plain lines, then the summary" \
	$(( ! $(grep -c '^dmarc-pipe: [0-9?/]* .*messages, reports aggregate=' "$work/progress.err") ||
	    ! $(grep -c '^dmarc-pipe: 50 messages in ' "$work/progress.err") )) "$(cat "$work/progress.err")"
if command -v script > /dev/null; then
	script -qec "'$DMARC_PIPE' -c '$work/kill.conf' $work/big.mbox" /dev/null > "$work/tty.out" < /dev/null
	ok "on a terminal: redrawn in place, with the total, then the summary" \
		$(( ! $(grep -c $'\r''dmarc-pipe: [0-9]*/240 ([0-9]*%) messages' "$work/tty.out") ||
		    ! $(grep -c 'dmarc-pipe: 240 messages in .*duplicates 240' "$work/tty.out") )) "$(cat -v "$work/tty.out" | tail -3)"
else
	skip_point "on a terminal: redrawn in place" "script(1) is not installed"
fi
ok "without --progress and not a terminal: the summary only" \
	$(( $(grep -c 'dmarc-pipe: ' "$work/kill.err") != 1 ))
