#!/bin/bash
# Standard input is read to its end whatever goes wrong: procmail and Sieve
# count an unread pipe as a failed delivery.  Each input is larger than a
# pipe's buffer, so a writer that finishes proves the input was read.  TAP.
. "${srcdir:-.}/tests/lib/common.sh"

"${PYTHON3:-python3}" "$top_srcdir/tests/tools/make-fixtures" --synthetic 20000 drain-20000 "$work/big.eml"
# The same mail with its zip corrupted in the middle.
"${PYTHON3:-python3}" - "$work/big.eml" "$work/corrupt.eml" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
mid = len(data) // 2
data[mid:mid + 400] = bytes(c if c in b"\r\n" else ord("A") for c in data[mid:mid + 400])
open(sys.argv[2], "wb").write(data)
PY
{ printf 'From: a@b.example\nX-Pad: '; head -c 300000 /dev/zero | tr '\0' 'x'; printf '\n\nhello\n'; } > "$work/header.eml"
{ printf '<?xml version="1.0"?>\n<feedback><report_metadata><org_name>'; head -c 300000 /dev/zero | tr '\0' 'x'; } \
	> "$work/truncated.xml"
# Pseudo-random but the same every time: what GMime makes of random bytes varies.
"${PYTHON3:-python3}" -c 'import random, sys; random.seed(1); sys.stdout.buffer.write(random.randbytes(300000))' \
	> "$work/random.bin"

# name|setting|input|what the summary's reason says
cases='max_message_size|max_message_size = 64k|big.eml|message exceeds max_message_size
max_header_size|max_header_size = 100k|header.eml|message header exceeds max_header_size
max_decoded_size|max_decoded_size = 10k|big.eml|MIME parts exceed max_decoded_size
max_mime_parts|max_mime_parts = 1|big.eml|more than max_mime_parts
max_report_size|max_report_size = 10k|big.eml|report exceeds max_report_size
max_total_size|max_total_size = 10k|big.eml|exceeds max_total_size
max_records|max_records = 10|big.eml|more than max_records
max_field_length|max_field_length = 16|big.eml|longer than max_field_length
a corrupt zip||corrupt.eml|
a truncated report||truncated.xml|
random bytes||random.bin|not a mail message'

echo "1..$(echo "$cases" | wc -l)"
while IFS='|' read -r name setting input reason; do
	printf 'syslog = no\nstore = none\n%s\n' "$setting" > "$work/conf"
	( cat "$work/$input"; echo $? > "$work/writer" ) | "$DMARC_PIPE" -c "$work/conf" -v > "$work/out" 2> "$work/err"
	rc=$?
	summary=$(grep 'event=summary' "$work/err")
	case "$summary" in *"status=rejected reason=\""*"$reason"*) found=0 ;; *) found=1 ;; esac
	ok "$name: exit 0, rejected, stdin read to its end" \
		$(( rc != 0 || $(cat "$work/writer") != 0 || found != 0 )) \
		"exit $rc, writer $(cat "$work/writer"), $summary"
done <<< "$cases"
