#!/bin/bash
# Command line, exit status and side effects as the MTA sees them.  TAP.
. "${srcdir:-.}/tests/lib/common.sh"

echo "1..22"
mail=$FIXTURES/mail-zip.eml
bad=$FIXTURES/mail-no-report.eml

"$DMARC_PIPE" --help > "$work/out" 2>&1
ok "--help exits 0 and lists the settings" $(( $? != 0 || ! $(grep -c max_records "$work/out") ))

"$DMARC_PIPE" --version > "$work/out"
ok "--version" $(( $? != 0 )) "$(cat "$work/out")"

"$DMARC_PIPE" --bogus < "$mail" > "$work/out" 2> "$work/err"
rc=$?
one_tempfail_line "$work/out"
ok "unknown option: exit 75 with one 4.3.0 line" $(( rc != 75 || $? != 0 )) "rc=$rc $(cat "$work/out")"

"$DMARC_PIPE" -c /nonexistent/dmarc-pipe.conf < "$mail" > "$work/out" 2> "$work/err"
rc=$?
ok "missing -c file: exit 75 naming it" $(( rc != 75 || ! $(grep -c '^4.3.0 dmarc-pipe: config: /nonexistent/dmarc-pipe.conf' "$work/out") ))

printf 'syslog = no\nmax_records = lots\n' > "$work/bad.conf"
"$DMARC_PIPE" -c "$work/bad.conf" < "$mail" > "$work/out" 2> "$work/err"
rc=$?
ok "bad config value: exit 75 naming file and line" \
	$(( rc != 75 || ! $(grep -c "bad.conf:2: max_records" "$work/out") )) "$(cat "$work/out")"

"$DMARC_PIPE" --dry-run /nonexistent/report.xml > "$work/out" 2> "$work/err"
rc=$?
ok "unreadable FILE: exit 66 naming it, nothing read" \
	$(( rc != 66 || ! $(grep -c '^dmarc-pipe: cannot read /nonexistent/report.xml: No such file or directory$' "$work/err") )) \
	"rc=$rc $(cat "$work/err")"

# Settings that store nothing defer every message, saying why: a forgotten
# redis_socket must not lose reports.  store = none is the way to only log.
printf 'syslog = no\n' > "$work/nostore.conf"
"$DMARC_PIPE" -c "$work/nostore.conf" < "$mail" > "$work/out" 2> "$work/err"
rc=$?
ok "no Redis and no store = none: exit 75 naming the file and the fix" \
	$(( rc != 75 || ! $(grep -c "^4.3.0 dmarc-pipe: config: no Redis server in $work/nostore.conf (set redis_socket, or store = none" "$work/out") )) \
	"rc=$rc $(cat "$work/out")"
ok "the line has no newline for Postfix to turn into a space" "$(tail -c 1 "$work/out" | od -An -tx1 | grep -q 0a && echo 1 || echo 0)"
printf 'syslog = no\nstore = none\n' > "$work/none.conf"
"$DMARC_PIPE" -c "$work/none.conf" -v < "$mail" > /dev/null 2> "$work/err"
ok "store = none: exit 0; -v and the summary say nothing was stored" \
	$(( $? != 0 || ! $(grep -c 'records are not stored: store = none' "$work/err") || ! $(grep -c 'event=summary status=ok .* refused=0 stored=no ' "$work/err") )) \
	"$(cat "$work/err")"

# Quiet as a filter: nothing on stdout or stderr when all is well.
"$DMARC_PIPE" -c "$work/none.conf" --no-syslog < "$mail" > "$work/out" 2> "$work/err"
rc=$?
ok "filter mode writes nothing to stdout/stderr" $(( rc != 0 || $(cat "$work/out" "$work/err" | wc -c) != 0 ))

"$DMARC_PIPE" -c "$work/none.conf" --no-syslog < "$bad" > "$work/out" 2> "$work/err"
rc=$?
ok "a message without a report exits 0, silently" $(( rc != 0 || $(cat "$work/out" "$work/err" | wc -c) != 0 ))

# stdin is read to its end even when it is useless (procmail/Sieve need that).
( head -c 8000000 /dev/urandom; echo $? > "$work/writer" ) | "$DMARC_PIPE" -c "$work/none.conf" --no-syslog > /dev/null 2>&1
rc=$?
ok "8 MB of random bytes: exit 0, whole input read" $(( rc != 0 || $(cat "$work/writer") != 0 ))

printf 'syslog = no\nstore = none\nmax_message_size = 4k\n' > "$work/small.conf"
( head -c 100000 /dev/zero | tr '\0' 'x'; echo $? > "$work/writer" ) | \
	"$DMARC_PIPE" -c "$work/small.conf" -v > "$work/out" 2> "$work/err"
rc=$?
ok "oversized message: exit 0, rejected, input drained" \
	$(( rc != 0 || $(cat "$work/writer") != 0 || ! $(grep -c 'status=rejected reason="message exceeds max_message_size' "$work/err") ))

# Several FILE arguments: one summary each, records of all.
"$DMARC_PIPE" --dry-run --ndjson - "$mail" "$FIXTURES/multi.zip" > "$work/out" 2> "$work/err"
rc=$?
ok "two FILE arguments" $(( rc != 0 || $(grep -c event=summary "$work/err") != 2 || $(wc -l < "$work/out") != 6 ))

# The MTA's queue ID and envelope go into the summary, escaped.
"$DMARC_PIPE" --dry-run --queue-id 4ABC123 --sender $'evil"\n sender' --recipient dmarc@sender.example \
	< "$mail" > /dev/null 2> "$work/err"
ok "--queue-id, --sender, --recipient are logged, escaped" \
	$(( $? != 0 || ! $(grep -c 'queue_id="4ABC123" sender="evil\\"\\n sender" recipient="dmarc@sender.example"' "$work/err") )) \
	"$(grep summary "$work/err")"

# --ndjson PATH appends whole lines.
"$DMARC_PIPE" --dry-run --ndjson "$work/out.ndjson" < "$mail" 2> /dev/null
"$DMARC_PIPE" --dry-run --ndjson "$work/out.ndjson" < "$mail" 2> /dev/null
ok "--ndjson PATH appends" $(( $(wc -l < "$work/out.ndjson") != 4 ))

# Quarantine: refused messages are kept, byte for byte, mode 0600; good ones are not.
mkdir "$work/q"
printf 'syslog = no\nstore = none\nquarantine_dir = %s\n' "$work/q" > "$work/q.conf"
"$DMARC_PIPE" -c "$work/q.conf" < "$FIXTURES/truncated.xml"
rc=$?
saved=$(ls "$work/q")
ok "refused report is quarantined" $(( rc != 0 || $(ls "$work/q" | wc -l) != 1 ))
ok "quarantined copy is identical and mode 0600" \
	$(( $(cmp -s "$work/q/$saved" "$FIXTURES/truncated.xml"; echo $?) != 0 || $(stat -c %a "$work/q/$saved") != 600 ))
"$DMARC_PIPE" -c "$work/q.conf" < "$mail"
ok "a good message is not quarantined" $(( $? != 0 || $(ls "$work/q" | wc -l) != 1 ))
"$DMARC_PIPE" -c "$work/q.conf" --dry-run < "$bad" 2> /dev/null
ok "--dry-run never quarantines" $(( $? != 0 || $(ls "$work/q" | wc -l) != 1 ))

# An oversized message is kept whole, though only max_message_size of it was held in memory.
printf 'syslog = no\nstore = none\nquarantine_dir = %s\nmax_message_size = 4k\n' "$work/q" > "$work/qbig.conf"
head -c 300000 /dev/urandom | base64 > "$work/big.txt"
( cat "$work/big.txt"; echo $? > "$work/writer" ) | "$DMARC_PIPE" -c "$work/qbig.conf"
rc=$?
newest=$(ls -t "$work/q" | head -1)
ok "oversized message: quarantined whole, input read, exit 0" \
	$(( rc != 0 || $(cat "$work/writer") != 0 || $(ls "$work/q" | wc -l) != 2 || \
	    $(cmp -s "$work/q/$newest" "$work/big.txt"; echo $?) != 0 ))

# A quarantine that cannot be written must not lose the message: defer.
printf 'syslog = no\nstore = none\nquarantine_dir = %s\n' "$work/q.conf/not-a-dir" > "$work/q2.conf"
"$DMARC_PIPE" -c "$work/q2.conf" < "$bad" > "$work/out" 2> /dev/null
rc=$?
one_tempfail_line "$work/out"
ok "unwritable quarantine: exit 75" $(( rc != 75 || $? != 0 )) "rc=$rc $(cat "$work/out")"
