#!/usr/bin/env bash
# The reliability report (issue 18): runs every test marked [Trait("Category", "Reliability")] in every test project
# (faults injected for real, load held, input fuzzed, confinement and undo checked), then renders docs/reliability.md:
# the machine, date, commit and accelerator (KVM or TCG), one table (area, check, result, test, pass/fail) and notes.
# Each test records its row through ReliabilityReport.Record into $VIREO_RELIABILITY_OUT once its assertions passed;
# the trx results add the tests that failed (FAILED) or recorded nothing. The fuzz rows come from tests/Vireo.Fuzz.Tests
# (AFL++ per target; fuzz/run.sh TARGET SECONDS runs one by hand).
#   --long       VIREO_LONG=1: the longer soaks, loads and fuzz runs (their results go in the same table)
#   --no-build   use the Release build already there
#   --out FILE   where the report goes (default docs/reliability.md)
#   --filter F   an extra dotnet test filter, ANDed with Category=Reliability (e.g. FullyQualifiedName~LoadTests)
# Needs root (the tests start QEMU, taps, namespaces). Exit status: 0 when every row passed, 1 otherwise, 2 on usage.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
long=0; build=1; out=docs/reliability.md; filter=""
while [ $# -gt 0 ]; do
    case "$1" in
        --long) long=1; shift ;;
        --no-build) build=0; shift ;;
        --out) out=$2; shift 2 ;;
        --filter) filter=$2; shift 2 ;;
        *) echo "usage: $0 [--long] [--no-build] [--out FILE] [--filter FILTER]" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (the tests start QEMU, open /dev/net/tun and read /proc)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "run.sh: python3 renders the report; install it (scripts/deps.sh does)" >&2; exit 2; }

results=$(mktemp -d /tmp/vireo-reliability.XXXXXX)
export VIREO_RELIABILITY_OUT="$results/rows.jsonl"
: > "$VIREO_RELIABILITY_OUT"
if [ "$long" = 1 ]; then export VIREO_LONG=1; else unset VIREO_LONG; fi
started=$(date +%s)

if [ "$build" = 1 ]; then
    bash guest/build-tiny.sh || exit 1
    dotnet build Vireo.slnx -c Release -nologo -v quiet || { echo "run.sh: the build failed" >&2; exit 1; }
fi

where="Category=Reliability"
[ -n "$filter" ] && where="$where&$filter"
notes=()
# One test project at a time (several boot QEMU; the machine may have two cores). A project without such tests
# runs nothing.
for project in tests/*/*.Tests.csproj; do
    name=$(basename "$project" .csproj)
    if [ "$build" = 0 ] && [ ! -f "$(dirname "$project")/bin/Release/net10.0/$name.dll" ]; then
        echo "run.sh: $name is not built; skipped (run without --no-build)" >&2
        notes+=("$name was not built and did not run (\`--no-build\`): this is a partial report.")
        continue
    fi
    echo "run.sh: $name ($where)" >&2
    dotnet test "$project" -c Release --no-build -nologo --filter "$where" \
        --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$results" \
        || echo "run.sh: $name had failures (they are in the report)" >&2
done

# Fuzzing runs inside the test projects: tests/Vireo.Fuzz.Tests replays each target's corpus and runs AFL++ on it for a
# bounded time (longer with --long), recording a "fuzz" row per target like every other test here.
[ -n "$filter" ] && notes+=("Only the tests matching \`$filter\` ran: this is a partial report.")

args=(--rows "$VIREO_RELIABILITY_OUT" --trx-dir "$results" --out "$out" --seconds $(( $(date +%s) - started )))
[ "$long" = 1 ] && args+=(--long)
for n in "${notes[@]}"; do args+=(--note "$n"); done
python3 tests/reliability/render.py "${args[@]}"
status=$?
echo "run.sh: rows and trx files kept in $results" >&2
exit $status
