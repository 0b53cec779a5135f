#!/usr/bin/env bash
# Runs libFuzzer targets built in build-fuzz/ (make fuzz), each for
# FUZZ_SECONDS, seeded with its committed corpus and dictionary; new inputs
# collect in build-fuzz/corpus/<name>/ and findings in build-fuzz/findings/.
# UBSan is fatal (-fno-sanitize-recover). Usage: scripts/fuzz.sh [names...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-600}
targets=("$@")
# By default every target built (tests/fuzz/CMakeLists.txt lists them).
if [ ${#targets[@]} -eq 0 ]; then
  for binary in build-fuzz/tests/fuzz/*_fuzzer; do
    name=$(basename "$binary")
    targets+=("${name%_fuzzer}")
  done
fi
mkdir -p build-fuzz/findings build-fuzz/logs
status=0
for name in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$name
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  echo "== $name: ${seconds}s"
  # Legal headers can be long (.npy version-1 headers reach 64 KiB).
  if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ./build-fuzz/tests/fuzz/"$name"_fuzzer \
      -max_total_time="$seconds" -max_len=131072 -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=20 \
      -dict=tests/fuzz/dict/"$name".dict -artifact_prefix=build-fuzz/findings/"$name"- -print_final_stats=1 \
      "$corpus" > build-fuzz/logs/"$name".log 2>&1; then
    status=1
    tail -n 40 build-fuzz/logs/"$name".log
  fi
  # The figures docs/testing.md records: executions, coverage, corpus.
  grep -E "cov:" build-fuzz/logs/"$name".log | tail -n 1
  grep -E "^Done|SUMMARY" build-fuzz/logs/"$name".log || true
done
exit $status
