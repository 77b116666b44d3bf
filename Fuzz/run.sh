#!/usr/bin/env bash
# Builds a libFuzzer target with real edge coverage and runs it.
#   Fuzz/run.sh [TARGET] [SECONDS]      (defaults: FuzzWALReader, 60)
# Targets: FuzzWALReader, FuzzSegmentReader, FuzzManifestDecoder, FuzzRESP. QUIVER_FUZZ_SCRATCH names
# another build folder (default .build), so several builds can share the checkout.
# The `-Xswiftc -sanitize=fuzzer,address` part is what instruments the Swift sources; without it
# libFuzzer sees no edges (shared/spec/style-anchors.md section 10). SWIFT_BACKTRACE=enable=no stops
# the runtime's backtracer from holding the output pipe after a crash.
# Crashes land in Fuzz/FailCases/<target>/: fix them, keep the file, and `swift test` replays it.
set -euo pipefail
cd "$(dirname "$0")"
target="${1:-FuzzWALReader}"
seconds="${2:-60}"
case "$target" in
  FuzzWALReader) corpus=wal ;;
  FuzzSegmentReader) corpus=segment ;;
  FuzzManifestDecoder) corpus=manifest ;;
  FuzzRESP) corpus=resp ;;
  *) echo "unknown fuzz target $target" >&2; exit 2 ;;
esac
scratch="${QUIVER_FUZZ_SCRATCH:-.build}"
swift build --scratch-path "$scratch" -c debug --product "$target" --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address
mkdir -p "Corpus/$corpus" "FailCases/$target"
SWIFT_BACKTRACE=enable=no "$scratch/debug/$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
  -timeout=2 -use_value_profile=1 -dict="$corpus.dict" -artifact_prefix="FailCases/$target/" \
  "Corpus/$corpus" "Seeds/$corpus"
