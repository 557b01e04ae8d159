#!/usr/bin/env bash
# Runs every Vireo test on this machine: unit tests, and integration tests that boot real QEMU guests (TCG when
# there is no KVM). Needs root. Prints a last line "N passed, N failed[, N skipped]" and exits non-zero on failure.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ "$(id -u)" = 0 ] || { echo "test.sh: run as root (the tests start QEMU, open /dev/net/tun and read /proc)" >&2; exit 2; }

bash scripts/deps.sh || exit 1
bash guest/build-tiny.sh || exit 1
bash guest/build-debian.sh || exit 1
# The web UI that the browser test drives (WebUiBrowserTests) and vireod serves.
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent) || { echo "0 passed, 1 failed"; exit 1; }
dotnet build Vireo.slnx -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }

results=$(mktemp -d /tmp/vireo-test-results.XXXXXX)
# One test assembly at a time: several of them boot QEMU, and the machine may have only two cores.
dotnet test Vireo.slnx -c Release --no-build -m:1 --logger "trx" --logger "console;verbosity=normal" \
    --results-directory "$results"
status=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    files=$((files + 1))
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
    get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
    passed=$((passed + $(get passed)))
    failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
    skipped=$((skipped + $(get notExecuted)))
done
# The Debian package: built (with lintian) and checked; one PASS/FAIL line per check (tests/packaging/check-deb.sh).
# web/dist was built above.
# (Their output is copied to stderr through a descriptor, not `tee /dev/stderr`: reopening /dev/stderr would truncate
# a log file that the caller redirected stderr to.)
deb_checks=$(VIREO_SKIP_WEB=1 bash tests/packaging/check-deb.sh 2>&1 | tee >(cat >&2) | grep -E '^(PASS|FAIL) ')
passed=$((passed + $(grep -c '^PASS ' <<<"$deb_checks")))
failed=$((failed + $(grep -c '^FAIL ' <<<"$deb_checks")))
[ -n "$deb_checks" ] || { echo "test.sh: tests/packaging/check-deb.sh reported nothing" >&2; failed=$((failed + 1)); }
grep '^FAIL ' <<<"$deb_checks" | sed 's/^FAIL /FAILED /'
# The same package installed with apt in fresh Debian 12 and 13 roots (tests/package/run.sh): VM, upgrade, removal.
# Only a package this run built (newer than its results folder): never a stale one from an earlier build.
deb=$(find dist -maxdepth 1 -name 'vireo_*_amd64.deb' -newer "$results" 2>/dev/null | xargs -r ls -t | head -n1)
if [ -n "$deb" ]; then
    root_checks=$(bash tests/package/run.sh --deb "$deb" 2>&1 | tee >(cat >&2) | grep -E '^(PASS|FAIL) ')
else
    root_checks="FAIL package roots: this run built no dist/vireo_*_amd64.deb to install"
fi
passed=$((passed + $(grep -c '^PASS ' <<<"$root_checks")))
failed=$((failed + $(grep -c '^FAIL ' <<<"$root_checks")))
[ -n "$root_checks" ] || { echo "test.sh: tests/package/run.sh reported nothing" >&2; failed=$((failed + 1)); }
grep '^FAIL ' <<<"$root_checks" | sed 's/^FAIL /FAILED /'
expected=$(ls tests/*/*.csproj | wc -l)
if [ "$files" -lt "$expected" ]; then
    echo "test.sh: only $files of $expected test assemblies produced results (a test host crashed?)" >&2
    failed=$((failed + expected - files))
fi
# The console log is long and CI may show only its tail: name every failure again, with the start of its message.
for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    awk '
        /<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); infail = 1; shown = 0 }
        infail && /<Message>/ { inmsg = 1 }
        infail && inmsg && shown < 12 { line = $0; gsub(/<\/?Message>/, "", line); gsub(/&quot;/, "\"", line); gsub(/&lt;/, "<", line); gsub(/&gt;/, ">", line); gsub(/&amp;/, "\\&", line);
            if (shown == 0) print "FAILED " name; print "    " line; shown++ }
        infail && /<\/Message>/ { inmsg = 0; infail = 0 }
        /<\/UnitTestResult>/ { if (infail && shown == 0) print "FAILED " name; infail = 0; inmsg = 0 }
    ' "$trx"
done
rm -rf "$results"
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$status" = 0 ] && [ "$failed" = 0 ]
