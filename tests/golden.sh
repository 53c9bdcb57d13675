#!/bin/bash
# Golden tests: run dmarc-pipe on each input of tests/golden/cases.tsv and
# compare exit status, summary line and NDJSON output.  TAP output.
. "${srcdir:-.}/tests/lib/common.sh"

cases="$top_srcdir/tests/golden/cases.tsv"
total=$(grep -cv '^#' "$cases")
echo "1..$total"
grep -v '^#' "$cases" | while IFS='	' read -r input want_exit want_status want_reports want_records want_refused want_reason; do
	n=$((n + 1))
	path=$(fixture "$input")
	name=$(basename "$input")
	${DMARC_PIPE_WRAPPER:-} "$DMARC_PIPE" --dry-run --ndjson - < "$path" > "$work/out" 2> "$work/err"
	got_exit=$?
	summary=$(grep 'event=summary' "$work/err")
	why=""
	[ "$got_exit" = "$want_exit" ] || why="$why exit: got $got_exit, want $want_exit;"
	for kv in "status=$want_status" "reports=$want_reports" "records=$want_records" "refused=$want_refused"; do
		case "$summary" in *" $kv "*) ;; *) why="$why summary lacks $kv;" ;; esac
	done
	if [ "$want_reason" != "-" ]; then
		case "$summary" in *"reason=\""*"$want_reason"*) ;; *) why="$why reason lacks '$want_reason';" ;; esac
	fi
	golden="$top_srcdir/tests/golden/$name.ndjson"
	if [ "$want_records" -gt 0 ]; then
		if [ ! -f "$golden" ]; then
			why="$why no golden file $golden;"
		elif ! cmp -s "$golden" "$work/out"; then
			why="$why NDJSON differs: $(diff "$golden" "$work/out" | head -3 | tr '\n' ' ');"
		fi
	elif [ -s "$work/out" ]; then
		why="$why unexpected output on stdout;"
	fi
	if [ -z "$why" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name:$why"
		sed 's/^/# /' "$work/err"
	fi
done
