# edgeq top-level commands. `make demo` and `make test` do all set-up themselves on a fresh Debian machine.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release -DEDGEQ_WERROR=ON
EDGEQ := $(BUILD)/src/cli/edgeq
DEMO_OUT ?= demo-out

.PHONY: all deps build test demo bench format clean

all: build

deps:
	@scripts/bootstrap.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The demo needs the edgeq binary only (make test builds everything).
demo: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target edgeq
	@scripts/demo.sh $(EDGEQ) $(DEMO_OUT)

bench: build
	$(BUILD)/bench/bench_simulate
	.venv/bin/python bench/runtime_fp32.py $(BUILD)
	.venv/bin/python bench/runtime_int8.py $(BUILD)
	/usr/bin/python3 bench/train_throughput.py $(BUILD)

format:
	@find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(DEMO_OUT)
