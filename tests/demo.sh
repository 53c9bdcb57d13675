#!/bin/bash
# The README's first Quick start command ends in contrib/demo: it shows
# each output and leaves no process and no file behind; with --serve it
# keeps the overview pages up (Chromium loads one) until interrupted.  TAP.
. "${srcdir:-.}/tests/lib/common.sh"

command -v redis-server > /dev/null || skip_all "redis-server is not installed (tests/tools/install-deps installs it)"
command -v curl > /dev/null || skip_all "curl is not installed (tests/tools/install-deps installs it)"

echo "1..9"
before=$(ls -d "${TMPDIR:-/tmp}"/dmarc-demo.* 2> /dev/null | wc -l)
DMARC_CONSUME=${DMARC_CONSUME:-$top_builddir/src/dmarc-consume} DMARC_PIPE=$DMARC_PIPE \
	sh "$top_srcdir/contrib/demo" > "$work/out" 2>&1
ok "contrib/demo exits 0" $? "$(tail -3 "$work/out")"
is "dmarc-pipe stored one report of each kind" "$(grep -c 'event=summary status=ok .* reports=1 ' "$work/out")" 3
is "dmarc-consume --once wrote a batch file per stream" "$(grep -c 'event=batch ' "$work/out")" 3
ok "/metrics shows the counters" "$(grep -q '^dmarc_total{reporter="Example Receiver",' "$work/out" &&
	grep -q '^tlsrpt_sessions_total{' "$work/out" && grep -q '^dmarc_failure_reports_total{' "$work/out"; echo $?)"
# The README quotes the table: it must be what the demo prints.
readme_block sources-table | tail -n +2 > "$work/readme-table"
sed -n '/^== dmarc-consume --sources/,/^$/p' "$work/out" | sed '1d;/^$/d' > "$work/demo-table"
ok "the README's --sources table is the demo's" "$(cmp -s "$work/readme-table" "$work/demo-table"; echo $?)" \
	"$(diff "$work/readme-table" "$work/demo-table" | head -5)"
is "its temporary directory is gone" "$(ls -d "${TMPDIR:-/tmp}"/dmarc-demo.* 2> /dev/null | wc -l)" "$before"

# --serve: the pages stay up until Ctrl-C, then all is gone.  A background
# job ignores SIGINT (and sh may not trap what it ignored on entry), so the
# test sends SIGTERM, which the demo handles as it does Ctrl-C.
if command -v chromium > /dev/null; then
	DMARC_CONSUME=${DMARC_CONSUME:-$top_builddir/src/dmarc-consume} DMARC_PIPE=$DMARC_PIPE \
		sh "$top_srcdir/contrib/demo" --serve > "$work/serve.out" 2>&1 &
	demo=$!
	bg_pids="$bg_pids $demo"
	wait_for 60 grep -q '^http://127.0.0.1:[0-9]*/domain/' "$work/serve.out" ||
		bail_out "contrib/demo --serve printed no address: $(tail -3 "$work/serve.out")"
	url=$(grep -m1 '^http://127.0.0.1:[0-9]*/$' "$work/serve.out")
	sh "$top_srcdir/tests/tools/page-shot" "$url" "$work/overview.png" 1024,800 > "$work/overview.dom" 2> "$work/shot.err"
	ok "--serve: Chromium shows the overview of the sample domain" \
		"$(grep -q '>sender.example</a></h2>' "$work/overview.dom"; echo $?)" "$(cat "$work/shot.err")"
	kill -TERM "$demo"
	wait "$demo"
	is "--serve: a signal ends it (status 130)" $? 130
	bg_pids=${bg_pids/ $demo/}
	is "... and its temporary directory is gone" "$(ls -d "${TMPDIR:-/tmp}"/dmarc-demo.* 2> /dev/null | wc -l)" "$before"
else
	for t in "Chromium shows the overview" "a signal ends it" "its temporary directory is gone"; do
		echo "ok - --serve: $t # SKIP chromium is not installed (tests/tools/install-deps installs it)"
	done
fi

