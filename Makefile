# Entry points for newcomers and CI. Everything goes through CMake; these
# targets only install missing packages, configure once and call it.
BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=

.PHONY: all deps configure build demo test test-asan bench clean

all: build

deps:
	./scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	./$(BUILD_DIR)/examples/c2am_demo

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# CPU-only build with AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DC2AM_SANITIZE=ON -DC2AM_CUDA=OFF \
	  -DC2AM_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	cd $(ASAN_BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	./$(BUILD_DIR)/bench/conv_bench

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
