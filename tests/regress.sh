#!/bin/bash
# Inputs that once crashed a fuzz harness (tests/fuzz/regressions/message):
# the program must handle each with exit 0 or 75 and no signal.  TAP.
. "${srcdir:-.}/tests/lib/common.sh"

set -- "$top_srcdir"/tests/fuzz/regressions/message/*
[ -f "$1" ] || { echo "1..0 # SKIP no regression inputs"; exit 0; }
echo "1..$#"
for f in "$@"; do
	n=$((n + 1))
	${DMARC_PIPE_WRAPPER:-} "$DMARC_PIPE" --dry-run --ndjson /dev/null < "$f" > /dev/null 2>&1
	rc=$?
	case $rc in
	0|75) echo "ok $n - $(basename "$f")" ;;
	*) echo "not ok $n - $(basename "$f"): exit status $rc" ;;
	esac
done
