# Entry points for newcomers and CI. Everything goes through CMake; these
# targets only install missing packages, configure once and call it.
BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=

.PHONY: all deps python-env configure build demo test test-asan bench fuzz clean

all: build

deps:
	./scripts/install-deps.sh

# The project's Python environment (.venv-python): pytest, torch, pydensecrf2
# and OpenCV from the Python index, for the Python module's tests (CTest
# `python`) and the Python benchmarks. Before `build`, so that a first
# configure builds c2am._core for its interpreter.
python-env: deps
	./scripts/make-python-venv.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	./$(BUILD_DIR)/c2am demo --out runs/demo

test: python-env build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# CPU-only build with AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DC2AM_SANITIZE=ON -DC2AM_CUDA=OFF \
	  -DC2AM_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	cd $(ASAN_BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	./$(BUILD_DIR)/bench/conv_bench
	./$(BUILD_DIR)/bench/crf_bench --inputs $(BUILD_DIR)/crf-bench-inputs

# libFuzzer runs of every parser of untrusted input (clang, ASan + UBSan,
# UBSan fatal), FUZZ_SECONDS each, seeded with the committed corpora
# (scripts/fuzz.sh; FUZZ_TARGETS="npy image" runs some).
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?=
fuzz: deps
	cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DC2AM_FUZZ=ON \
	  -DC2AM_CUDA=OFF -DC2AM_NATIVE=OFF -DC2AM_BUILD_BENCH=OFF -DC2AM_BUILD_EXAMPLES=OFF
	cmake --build build-fuzz -j $(JOBS) --target $(if $(FUZZ_TARGETS),$(addsuffix _fuzzer,$(FUZZ_TARGETS)),fuzzers)
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) build-fuzz
