# Short verbs over CMake presets. `make demo` and `make test` install what is
# missing (scripts/setup.sh) and build first, so they work on a fresh machine.
PRESET ?= $(if $(CI),ci,release)
BUILD_DIR := build
JOBS ?= $(shell nproc)
PYTHON := .venv/bin/python

.PHONY: all setup build test unit-test integration-test python-test asan-test tsan-test demo bench format clean

all: build

setup:
	@bash scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake --preset $(PRESET)

build: setup $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

unit-test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

integration-test: build
	$(PYTHON) -m pytest -q tests/integration

# The Python package (python/weir, built in place by `build`) and its examples.
python-test: build
	$(PYTHON) -m pytest -q tests/python

# The bad-data and robustness tests again, against an AddressSanitizer build.
asan-test: setup
	@test -f build-asan/build.ninja || cmake --preset asan
	cmake --build build-asan --target weir segmented_file_test checkpoint_test statement_parser_test json_format_test -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=0 build-asan/src/weir/format/parquet/segmented_file_test
	ASAN_OPTIONS=detect_leaks=0 build-asan/src/weir/format/json/json_format_test
	ASAN_OPTIONS=detect_leaks=0 build-asan/src/weir/runtime/checkpoint_test
	ASAN_OPTIONS=detect_leaks=0 build-asan/src/weir/sql/statement_parser_test
	WEIR_BIN=build-asan/weir ASAN_OPTIONS=detect_leaks=0:exitcode=86 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87 \
	  $(PYTHON) -m pytest -q tests/integration/test_robustness.py \
	  "tests/integration/test_corpus.py::test_bad_data_fails_cleanly" \
	  tests/integration/test_sql_logic.py

# The runtime's concurrency tests again, against a ThreadSanitizer build.
TSAN_TESTS := runtime_test channel_test operators_test keyed_process_test checkpoint_test file_sink_test
tsan-test: setup
	@test -f build-tsan/build.ninja || cmake --preset tsan
	cmake --build build-tsan --target $(TSAN_TESTS) -j $(JOBS)
	for t in $(TSAN_TESTS); do \
	  ARROW_DEFAULT_MEMORY_POOL=system \
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/scripts/tsan.supp \
	    $$(find build-tsan -name $$t -type f -executable) || exit 1; done

test: unit-test integration-test python-test asan-test tsan-test

demo: build
	@bash scripts/demo.sh

bench: build
	$(PYTHON) bench/parquet/run.py
	$(PYTHON) bench/runtime/run.py
	$(PYTHON) bench/sink/run.py
	$(PYTHON) bench/sql/run.py
	$(PYTHON) bench/tpch/run.py
	$(PYTHON) bench/tpch/join_order.py
	$(PYTHON) bench/kafka/run.py
	$(PYTHON) bench/streaming_sql/run.py
	$(PYTHON) bench/python/run.py

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD_DIR)
