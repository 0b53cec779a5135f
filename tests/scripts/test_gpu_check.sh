#!/usr/bin/env bash
# Tests scripts/gpu-check without a GPU. Fake nvidia-smi, nvcc, cmake, ninja,
# compute-sanitizer and python3 (for bench/loss_bench_torch.py only) on PATH
# record their arguments and exit as a rules file tells them; the fake cmake
# "builds" fake test_cuda and benchmark executables that do the same. Checks:
# the test groups against tests/cuda/*.cpp, --plan (carry list, command
# lengths, missing third_party_copies, tree size), the order of the phases
# and the arguments of each step, a failing group that does not stop the
# next ones, exit code 77 as skipped, sanitizer findings, a failed build,
# the deadline, --second, and the files left under --out.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
script=$repo/scripts/gpu-check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
real_python3=$(command -v python3 || true)
unset GPU_CHECK_DEADLINE_S

failures=0
check() {  # check WHAT COMMAND...: one assertion
  local what=$1
  shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}
has() { grep -qF -- "$2" "$1"; }           # has FILE TEXT
lacks() { ! grep -qF -- "$2" "$1"; }       # lacks FILE TEXT
# row SUMMARY NAME: the summary's row NAME (its first 26 characters, spaces trimmed)
row() { awk -v name="$2" '{ key = substr($0, 1, 26); sub(/ +$/, "", key) } key == name { print; exit }' "$1"; }
row_says() { row "$1" "$2" | grep -qF -- "$3"; }
# line number in the fake log of the first call holding TEXT (0: none)
line_of() { grep -nF -- "$2" "$1" | head -1 | cut -d: -f1 | grep . || echo 0; }

# --- the test groups against the test sources ------------------------------------
# matches SPEC TAGS: whether a Catch2 2.13 test spec made of tags ("[a]~[b],[c]")
# selects a case tagged TAGS ("[a][c]"); commas separate alternatives. As in
# Catch2 2.13, a hidden case ([.]) is selected by any filter it matches.
matches() {
  local spec=$1 tags=$2 filter rest ok re='^(~?)\[([^]]*)\](.*)$'
  local -a filters
  IFS=',' read -ra filters <<<"$spec"
  for filter in "${filters[@]}"; do
    ok=1 rest=$filter
    while [ -n "$rest" ]; do
      [[ $rest =~ $re ]] || { echo "cannot read test spec '$spec'" >&2; return 2; }
      rest=${BASH_REMATCH[3]}
      if [[ $tags == *"[${BASH_REMATCH[2]}]"* ]]; then
        [ -z "${BASH_REMATCH[1]}" ] || ok=0
      else
        [ -n "${BASH_REMATCH[1]}" ] || ok=0
      fi
    done
    [ $ok = 1 ] && return 0
  done
  return 1
}

check_groups() {
  local -a specs tags
  local line spec total n i hidden bad=0 heavy=0 one=0
  while IFS=$'\t' read -r name spec; do
    case "$name" in
      "tests "*) specs+=("$spec") ;;
      sanitizers) sanitize=$spec ;;
      heavy) heavy_spec=$spec ;;
      racecheck-one) one_spec=$spec ;;
    esac
  done < <(bash "$script" --groups)
  total=$(cat "$repo"/tests/cuda/*.cpp | grep -c 'TEST_CASE(')
  mapfile -t tags < <(cat "$repo"/tests/cuda/*.cpp | grep 'TEST_CASE(' |
                      sed -n 's/.*TEST_CASE(.*, *"\(\[[^"]*\]\)") *{.*/\1/p')
  check "the tags of all $total CUDA test cases are read" [ "${#tags[@]}" = "$total" ]
  check "four test groups" [ "${#specs[@]}" = 4 ]
  for line in "${tags[@]}"; do
    n=0
    for spec in "${specs[@]}"; do matches "$spec" "$line" && n=$((n + 1)); done
    hidden=0
    [[ $line == *"[.]"* ]] && hidden=1
    if [ $n != $((1 - hidden)) ]; then
      echo "     $line is in $n test groups"
      bad=1
    fi
    if [[ $line == *"[cuda]"* ]] && [ $hidden = 0 ]; then
      i=0
      matches "$sanitize" "$line" && i=$((i + 1))
      matches "$heavy_spec" "$line" && { i=$((i + 1)); heavy=$((heavy + 1)); }
      [ $i = 1 ] || { echo "     $line: in $i of the first and second sanitizer runs"; bad=1; }
    fi
    matches "$one_spec" "$line" && { one=$((one + 1)); [ $hidden = 1 ] || bad=1; }
  done
  check "each test case in exactly one group (hidden ones in none), in exactly one sanitizer run" [ $bad = 0 ]
  check "some cases are [heavy] ($heavy)" [ $heavy -ge 2 ]
  check "one hidden case for racecheck at N = 4096" [ $one = 1 ]
}
check_groups

# --- --plan -------------------------------------------------------------------------
# A small git checkout holding the script, with or without third_party_copies.
plan_repo() {
  local dir=$tmp/$1
  mkdir -p "$dir/scripts"
  cp "$script" "$dir/scripts/"
  printf '/third_party_copies/\n/build*/\n' >"$dir/.gitignore"
  git -C "$dir" init -q
  echo "$dir"
}

dir=$(plan_repo plan-missing)
bash "$dir/scripts/gpu-check" --plan >"$tmp/plan-missing.txt" 2>&1
check "--plan without third_party_copies fails" [ $? != 0 ]
check "--plan says to run bundle-deps.sh" has "$tmp/plan-missing.txt" "scripts/bundle-deps.sh"

dir=$(plan_repo plan-ready)
mkdir -p "$dir/third_party_copies/include" && echo '// header' >"$dir/third_party_copies/include/a.hpp"
bash "$dir/scripts/gpu-check" --plan >"$tmp/plan.txt" 2>&1
check "--plan with third_party_copies succeeds" [ $? = 0 ]
check "--plan says the tree is under 64 MiB" has "$tmp/plan.txt" "under the 64 MiB limit"
grep '^{' "$tmp/plan.txt" >"$tmp/plan-calls.txt"
check "--plan prints two calls" [ "$(wc -l <"$tmp/plan-calls.txt")" = 2 ]
check "--plan's calls carry third_party_copies" [ "$(grep -cF '"carry": ["third_party_copies"]' "$tmp/plan-calls.txt")" = 2 ]
if [ -n "$real_python3" ]; then
  "$real_python3" - "$tmp/plan-calls.txt" <<'EOF' >"$tmp/plan-check.txt"
import json, sys
calls = [json.loads(line) for line in open(sys.argv[1])]
first, second = calls
assert all(len(c["command"]) <= 2000 and "scripts/gpu-check" in c["command"] for c in calls), calls
assert first["timeout_s"] <= 600 and second["timeout_s"] <= 180, calls
assert "--second" in second["command"] and "--second" not in first["command"], calls
print("calls ok")
EOF
  check "--plan's calls are JSON, commands <= 2000 characters, limits 600 s and 180 s" has "$tmp/plan-check.txt" "calls ok"
fi

# 40 MiB of untracked files and 30 MiB carried (sparse files: no disk used).
dir=$(plan_repo plan-big)
mkdir -p "$dir/third_party_copies" "$dir/junk" && truncate -s 30M "$dir/third_party_copies/big"
truncate -s 40M "$dir/junk/data.bin"
bash "$dir/scripts/gpu-check" --plan >"$tmp/plan-big.txt" 2>&1
check "--plan fails when files and the carried folder together pass 64 MiB" [ $? != 0 ]
check "--plan says so" has "$tmp/plan-big.txt" "over the 64 MiB limit"
check "--plan names the largest entry" has "$tmp/plan-big.txt" "40.0 MiB  junk"

# --- fakes -------------------------------------------------------------------------
bin=$tmp/bin
mkdir -p "$bin"
cat >"$bin/fake" <<'EOF'
#!/usr/bin/env bash
# Records "NAME ARGS" in $FAKE_LOG; the first line "TEXT|EXIT|SLEEP" of
# $FAKE_RULES whose TEXT occurs in "NAME ARGS " decides the exit status and a
# pause; then prints what the real program would print.
name=$(basename "$0")
call="$name $* "
if [ "$name" = python3 ] && [ "${1:-}" != bench/loss_bench_torch.py ]; then exec "$REAL_PYTHON3" "$@"; fi
printf '%s\n' "$call" >>"$FAKE_LOG"
code=0 pause=0
while IFS='|' read -r text rule_code rule_pause; do
  if [ -n "$text" ] && [[ $call == *"$text"* ]]; then code=$rule_code pause=$rule_pause; break; fi
done <"$FAKE_RULES"
[ "$pause" -gt 0 ] && sleep "$pause"
json=""
while [ $# -gt 0 ]; do [ "$1" = --json ] && json=$2; shift; done
[ -n "$json" ] && echo "{\"benchmark\": \"$name\"}" >"$json"
case "$name" in
  nvidia-smi) echo "NVIDIA H200, 580.00.01" ;;
  nvcc) printf 'nvcc: NVIDIA (R) Cuda compiler driver\nCuda compilation tools, release 13.0, V13.0.88\n' ;;
  cmake)
    set -- $call
    if [ "$2" = --build ]; then  # executables even when the build fails: stale ones from before
      mkdir -p "$3/tests" "$3/bench"
      for exe in tests/test_cuda bench/train_step bench/crf_bench bench/loss_bench; do ln -sf "$FAKE_BIN/fake" "$3/$exe"; done
    else
      echo "-- c2am: cuDNN 9.13.0 (from CUDNN_ROOT) — headers /fake/cudnn/include, library /fake/cudnn/lib/libcudnn.so.9"
    fi ;;
  compute-sanitizer)
    if [[ $call == *--version* ]]; then printf 'NVIDIA (R) Compute Sanitizer\nVersion 2025.3.1.0\n'
    elif [ "$code" = 86 ]; then echo "========= ERROR SUMMARY: 2 errors"
    else echo "========= ERROR SUMMARY: 0 errors"; fi ;;
  test_cuda)
    if [ "$code" = 77 ]; then echo "CUDA tests skipped: no GPU in this test"
    elif [ "$code" = 0 ]; then echo "All tests passed (12 assertions in 3 test cases)"
    else echo "test cases: 3 | 2 passed | 1 failed"; fi ;;
  train_step) printf '%8s %8s %12s %12s %14s\n' 16 224 100.0 160.0 4000 ;;
  crf_bench) printf '\n  labels    batch   (CUDA, fake)\n%8s %8s %12s %12s\n' 2 1 0.90 1111.1 2 64 20.0 3200.0 ;;
  loss_bench) echo "   128   3072     fused        5.0        9.0       14.0      30.00" ;;
  python3) echo "target N=128 C=3072: 14.0 us (<= 20: met), 30.0x PyTorch (>= 20: met)" ;;
esac
exit "$code"
EOF
chmod +x "$bin/fake"
for name in nvidia-smi nvcc cmake ninja compute-sanitizer python3; do ln -s fake "$bin/$name"; done
export PATH="$bin:$PATH" FAKE_BIN=$bin REAL_PYTHON3=${real_python3:-false} CUDNN_ROOT=/fake/cudnn

# run_check NAME [ARGS...]: scripts/gpu-check with the fakes; rules from
# $tmp/NAME.rules; leaves NAME.log (calls), NAME.out (stdout), NAME.rc,
# NAME.s (seconds) and the folder NAME/ (--out).
run_check() {
  local name=$1
  shift
  export FAKE_LOG=$tmp/$name.log FAKE_RULES=$tmp/$name.rules
  touch "$FAKE_LOG" "$FAKE_RULES"
  local start=$SECONDS
  bash "$script" --out "$tmp/$name" --build-dir "${build_dir:-$tmp/build-$name}" "$@" >"$tmp/$name.out" 2>&1
  echo $? >"$tmp/$name.rc"
  echo $((SECONDS - start)) >"$tmp/$name.s"
}
rc() { cat "$tmp/$1.rc"; }

# All well.
run_check good
log=$tmp/good.log sum=$tmp/good/summary.txt
check "a good run exits 0" [ "$(rc good)" = 0 ]
check "its summary says ok" row_says "$sum" result "ok"
order=(
  "nvidia-smi --query-gpu" "nvcc --version" "compute-sanitizer --version" "cmake -S . -B" "cmake --build"
  "test_cuda [cuda]~[conv]" "test_cuda [conv],[norm]" "test_cuda [loss] " "test_cuda [crf] "
  "--tool memcheck" "--tool racecheck" "--tool synccheck"
  "train_step --quick" "crf_bench --quick" "loss_bench --quick" "python3 bench/loss_bench_torch.py --quick"
)
previous=0 in_order=1
for call in "${order[@]}"; do
  n=$(line_of "$log" "$call")
  if [ "$n" -le "$previous" ]; then echo "     '$call' at line $n of the calls, after line $previous"; in_order=0; fi
  previous=$n
done
check "phases and steps run in order" [ $in_order = 1 ]
check "configure: Release, CUDA, lineinfo, ninja, CUDNN_ROOT" \
  grep -qE -- '^cmake -S \. -B .* -G Ninja -DCMAKE_BUILD_TYPE=Release -DC2AM_CUDA=ON -DC2AM_CUDA_LINEINFO=ON .*-DCUDNN_ROOT=/fake/cudnn' "$log"
check "build: only the four targets, every core" \
  grep -qE -- "^cmake --build .* -j $(nproc) --target test_cuda train_step crf_bench loss_bench $" "$log"
check "the configure output's cuDNN line is in the summary" row_says "$sum" cudnn "c2am: cuDNN 9.13.0 (from CUDNN_ROOT)"
check "the GPU and the sanitizer's version are in the summary" \
  bash -c "grep -q 'NVIDIA H200, 580.00.01' '$sum' && grep -q 'Version 2025.3.1.0' '$sum'"
check "test_cuda runs once per group" [ "$(grep -c '^test_cuda ' "$log")" = 4 ]
check "sanitizers: own kernels, API errors off, an error exit code, small sizes" \
  [ "$(grep -cE -- '^compute-sanitizer --tool (memcheck|racecheck|synccheck) --kernel-name kns=c2am --report-api-errors no --error-exitcode [0-9]+ .*/test_cuda \[cuda\]~\[heavy\] $' "$log")" = 3 ]
check "a group's summary row quotes Catch2" row_says "$sum" "tests nn" "ok: All tests passed"
check "benchmark numbers are in the summary" \
  bash -c "grep -q '160.0 img/s, peak 4000 MiB' '$sum' && grep -q 'batch 64: 20.0 ms' '$sum' && grep -q '14.0 us f+b' '$sum' && grep -q 'target N=128' '$sum'"
files=$(cd "$tmp/good" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
check "logs under --out: $files" [ "$files" = "bench.json bench.log build.log sanitizer.log summary.txt tests.log " ]
check "file names the device tool returns" bash -c "! find '$tmp/good' -mindepth 1 | sed 's|^$tmp/good/||' | grep -q '[^A-Za-z0-9._-]'"
if [ -n "$real_python3" ]; then
  check "bench.json holds every benchmark" "$real_python3" -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(d) == ['crf_bench', 'loss_bench', 'loss_bench_torch', 'train_step'], d" "$tmp/good/bench.json"
fi
check "the summary table comes last on stdout" bash -c "tail -n \$(wc -l <'$sum') '$tmp/good.out' | cmp -s - '$sum'"

# A failing group, a skipped one (77) and racecheck findings.
printf '%s\n' 'test_cuda [loss] |3|0' 'test_cuda [crf] |77|0' '--tool racecheck|86|0' >"$tmp/mixed.rules"
run_check mixed
log=$tmp/mixed.log sum=$tmp/mixed/summary.txt
check "a failing group makes the run exit 1" [ "$(rc mixed)" = 1 ]
check "the failing group is FAILED" row_says "$sum" "tests loss" "FAILED (exit 3"
check "the groups after it still run" [ "$(line_of "$log" 'test_cuda [crf] ')" -gt "$(line_of "$log" 'test_cuda [loss] ')" ]
check "exit code 77 is reported as skipped" row_says "$sum" "tests crf" "skipped: no GPU in this test"
check "sanitizer findings are reported" row_says "$sum" racecheck "FINDINGS: ERROR SUMMARY: 2 errors"
check "the other sanitizers are clean" row_says "$sum" synccheck "ok: ERROR SUMMARY: 0 errors"
check "the summary says FAILED" row_says "$sum" result "FAILED"

# A failed build: nothing runs on stale executables. Without CUDNN_ROOT,
# cuDNN comes from the Python wheel's folder.
echo 'cmake --build|2|0' >"$tmp/nobuild.rules"
mkdir -p "$tmp/site/nvidia/cudnn/include" "$tmp/site/nvidia/cudnn/lib"
touch "$tmp/site/nvidia/cudnn/include/cudnn.h" "$tmp/site/nvidia/cudnn/lib/libcudnn.so.9"
CUDNN_ROOT="" PYTHONPATH=$tmp/site run_check nobuild
if [ -n "$real_python3" ]; then
  check "without CUDNN_ROOT, the wheel's cuDNN" grep -qF -- "-DCUDNN_ROOT=$tmp/site/nvidia/cudnn " "$tmp/nobuild.log"
fi
check "a failed build exits 1" [ "$(rc nobuild)" = 1 ]
check "a failed build is FAILED" row_says "$tmp/nobuild/summary.txt" build "FAILED (exit 2"
check "after a failed build no test runs" bash -c "! grep -q '^test_cuda ' '$tmp/nobuild.log'"
check "after a failed build the tests are skipped" row_says "$tmp/nobuild/summary.txt" "tests core" "skipped:"

# The deadline: a group that hangs is stopped at it; later steps do not run.
echo 'test_cuda [conv],[norm]|0|30' >"$tmp/late.rules"
GPU_CHECK_DEADLINE_S=6 run_check late
log=$tmp/late.log sum=$tmp/late/summary.txt
check "the deadline stops the run in time ($(cat "$tmp/late.s") s)" [ "$(cat "$tmp/late.s")" -le 12 ]
check "the hanging group is TIMED OUT" row_says "$sum" "tests nn" "TIMED OUT"
check "later steps are skipped: out of time" \
  bash -c "grep -qE '^tests loss +skipped: out of time' '$sum' && grep -qE '^memcheck +skipped: out of time' '$sum' && grep -qE '^loss_bench +skipped: out of time' '$sum'"
check "and never started" bash -c "! grep -qE '^(test_cuda \[loss\]|compute-sanitizer --tool|train_step)' '$log'"
check "a run past its deadline exits 1" [ "$(rc late)" = 1 ]

# --second: on the first run's build, the heavy sizes only; without one, nothing.
build_dir=$tmp/build-good run_check second --second
log=$tmp/second.log
check "--second builds nothing" lacks "$log" "cmake"
check "--second: memcheck on [cuda][heavy]" grep -qE -- '^compute-sanitizer --tool memcheck .*--report-api-errors no .*test_cuda \[cuda\]\[heavy\] $' "$log"
check "--second: racecheck on [racecheck-one]" grep -qE -- '^compute-sanitizer --tool racecheck .*--kernel-name kns=c2am .*test_cuda \[racecheck-one\] $' "$log"
check "--second exits 0" [ "$(rc second)" = 0 ]
build_dir=$tmp/nothing-here run_check second-cold --second
check "--second without a build runs no sanitizer" lacks "$tmp/second-cold.log" "--tool"
check "--second without a build says so and exits 3" \
  bash -c "[ \"\$(cat '$tmp/second-cold.rc')\" = 3 ] && grep -q 'skipped: no build' '$tmp/second-cold/summary.txt'"

if [ $failures != 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
