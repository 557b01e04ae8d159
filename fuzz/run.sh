#!/usr/bin/env bash
# Coverage-guided fuzzing of one Vireo parser with SharpFuzz + AFL++ (Debian's afl++), bounded in time.
#
#   fuzz/run.sh TARGET SECONDS      targets: spec qmp qga leases ipjson nftjson apibody
#
# Builds fuzz/Vireo.Fuzz, instruments the assemblies that hold TARGET's parser (dotnet sharpfuzz, from the tool
# manifest), and runs afl-fuzz from the committed seed corpus fuzz/corpus/TARGET for SECONDS. Prints one line:
#   fuzz TARGET: N executions in S s, P paths, C crashes, H hangs
# and exits 1 when AFL saved any crash or hang; each such input is copied to fuzz/crashes/TARGET/ (commit it once
# the bug is fixed: the test suite replays every file there as a regression test). Needs afl-fuzz (scripts/deps.sh).
# Environment: VIREO_FUZZ_WORK=DIR keeps the work directory (findings, AFL's queue) there instead of a temp one;
# VIREO_FUZZ_NO_BUILD=1 skips `dotnet build` (a caller that already built fuzz/Vireo.Fuzz in Release).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=${1:?usage: fuzz/run.sh TARGET SECONDS}
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS}
case "$target" in
    spec)                    assemblies=(Vireo.Core.dll YamlDotNet.dll) ;;
    qmp|qga)                 assemblies=(Vireo.Qmp.dll) ;;
    leases|ipjson|nftjson)   assemblies=(Vireo.Host.dll) ;;
    apibody)                 assemblies=(vireod.dll Vireo.Contracts.dll) ;;
    *) echo "fuzz/run.sh: no target \"$target\"; targets: spec qmp qga leases ipjson nftjson apibody" >&2; exit 2 ;;
esac
command -v afl-fuzz >/dev/null || { echo "fuzz/run.sh: afl-fuzz is missing; run scripts/deps.sh (Debian package afl++)" >&2; exit 2; }

if [ "${VIREO_FUZZ_NO_BUILD:-}" != 1 ]; then
    dotnet build fuzz/Vireo.Fuzz -c Release -nologo -v quiet >/dev/null
fi
dotnet tool restore >/dev/null

work=${VIREO_FUZZ_WORK:-$(mktemp -d /tmp/vireo-fuzz.XXXXXX)}
keep_work=${VIREO_FUZZ_WORK:+1}
cleanup() { [ -n "$keep_work" ] || rm -rf "$work"; }
trap cleanup EXIT
rm -rf "$work/bin" "$work/findings"
mkdir -p "$work"
cp -r fuzz/Vireo.Fuzz/bin/Release/net10.0 "$work/bin"
for a in "${assemblies[@]}"; do
    dotnet sharpfuzz "$work/bin/$a" >/dev/null
done

# AFL runs the target as `dotnet Vireo.Fuzz.dll TARGET`: dotnet itself is not instrumented (SKIP_BIN_CHECK);
# SharpFuzz's loop is persistent, so one process serves many inputs. The time limit per input is generous for a
# loaded two-core machine; a parser that takes longer on one small input is a hang to fix.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
       AFL_NO_AFFINITY=1 AFL_FAST_CAL=1 AFL_NO_CRASH_README=1 AFL_QUIET=1
set +e
timeout --kill-after=30 $((seconds + 120)) \
    afl-fuzz -i "fuzz/corpus/$target" -o "$work/findings" -t 5000 -m none -V "$seconds" \
    -- dotnet "$work/bin/Vireo.Fuzz.dll" "$target" >"$work/afl.log" 2>&1
rc=$?
set -e
stats="$work/findings/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
    echo "fuzz/run.sh: afl-fuzz did not start (exit $rc); its log:" >&2
    tail -n 30 "$work/afl.log" >&2
    exit 3
fi
stat() { sed -n "s/^$1 *: *//p" "$stats" | head -n1; }
execs=$(stat execs_done); run_time=$(stat run_time); paths=$(stat corpus_count)
crashes=$(stat saved_crashes); hangs=$(stat saved_hangs)
echo "fuzz $target: ${execs:-0} executions in ${run_time:-0} s, ${paths:-0} paths, ${crashes:-0} crashes, ${hangs:-0} hangs"
found=0
for kind in crashes hangs; do
    for f in "$work/findings/default/$kind"/id:*; do
        [ -f "$f" ] || continue
        found=$((found + 1))
        mkdir -p "fuzz/crashes/$target"
        name="$kind-$(sha1sum "$f" | cut -c1-12)"
        cp "$f" "fuzz/crashes/$target/$name"
        echo "  kept fuzz/crashes/$target/$name; reproduce: dotnet fuzz/Vireo.Fuzz/bin/Release/net10.0/Vireo.Fuzz.dll $target fuzz/crashes/$target/$name"
    done
done
[ "$found" = 0 ]
