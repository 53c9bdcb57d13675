# Shared set-up for the shell tests (sourced).  The automake harness sets
# srcdir; tests run from the build directory.
top_srcdir=$(cd "${srcdir:-.}" && pwd)
top_builddir=$(pwd)
DMARC_PIPE=${DMARC_PIPE:-$top_builddir/src/dmarc-pipe}
FIXTURES=$top_builddir/tests/build/fixtures
work=$(mktemp -d "${TMPDIR:-/tmp}/dmarc-pipe-test.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Path of a case's input: data/NAME (hand-written) or build/NAME (generated).
fixture() {
	case "$1" in
	data/*) echo "$top_srcdir/tests/$1" ;;
	build/*) echo "$FIXTURES/${1#build/}" ;;
	*) echo "$1" ;;
	esac
}
