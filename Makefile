# Thin driver over CMake: `make`, `make test`, `make up`, `make asan`.
BUILD    ?= build
ASAN_DIR ?= build-asan
JOBS     ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure test unit integration asan asan-test valgrind up clean check-deps fuzz

all: configure
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@tools/deps.sh

configure: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

test: all
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

unit: all
	cd $(BUILD) && ctest --output-on-failure -L unit -j $(JOBS)

integration: all
	cd $(BUILD) && ctest --output-on-failure -L integration

asan: deps
	@test -f $(ASAN_DIR)/CMakeCache.txt || cmake -S . -B $(ASAN_DIR) -DFL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(ASAN_DIR) -j $(JOBS)

asan-test: asan
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure -L 'unit|integration' -LE slow -j $(JOBS)

# Unit and integration tests under valgrind (memcheck, leaks are errors).
valgrind: all
	cd $(BUILD) && ctest -T memcheck -L 'unit|integration' -LE slow --output-on-failure

check-deps: all
	tools/check-deps.sh $(BUILD)

up: all
	tools/up.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_DIR)
