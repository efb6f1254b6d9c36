# Scalite: `make run` runs a complete what-if on embedded defaults, `make test`
# is what CI runs (.ci/run calls it).
GO       ?= go
BIN      := bin/scalite
OUT      ?= out
FUZZTIME ?= 3s

# package:target for every fuzz target; `make test` runs each for FUZZTIME.
FUZZ := ./datasets:FuzzReadPrices ./datasets:FuzzParseTrace ./datasets:FuzzParseCatalog ./config:FuzzParseConfig \
	./timetable:FuzzParse ./traceimport:FuzzReadEventsXML

.PHONY: all build run test unit regress fuzz bench bench-process lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/scalite

# A complete what-if on the embedded defaults: synthetic eu-west-1 prices,
# a generated university trace, the default policy; 8 seeds.
run: build
	$(BIN) sim --runs 8 --out $(OUT)

test: lint regress fuzz unit

unit:
	$(GO) test -count=1 ./...

# The project's own policy regression suite (examples/): fails when the
# simulator's behaviour moves any example policy beyond its tolerances.
regress: build
	@mkdir -p $(OUT)
	$(BIN) regress --suite examples/regress.yaml --baseline examples/baseline.json --junit $(OUT)/regress-junit.xml --markdown $(OUT)/regress.md

fuzz:
	@set -e; for f in $(FUZZ); do \
		pkg=$${f%%:*}; target=$${f##*:}; \
		echo "fuzz $$pkg $$target for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg >/dev/null || \
			{ $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; exit 1; }; \
	done

# Benchmarks report ns/op, and events/s or records/s where that is the unit
# of work (kernel hold model, one simulated year, price and trace reading),
# candidates/s, s/1000-candidates and cpu/wall for the one-year sweep; then
# bench-process the whole-process figures.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	@$(MAKE) --no-print-directory bench-process

# Whole-process figures with GNU time: one simulated year through the CLI
# (policy + baseline, examples/bench-year.yaml on generated prices and a
# generated university trace), and one year at 16x the university load.
BENCH_DIR ?= $(OUT)/bench
SHARED ?= ../shared
BENCH_TYPES := c5.4xlarge c5a.4xlarge c5n.4xlarge c6i.4xlarge c6a.4xlarge m5.4xlarge m5a.4xlarge m6i.4xlarge
bench-process: build
	@if [ ! -x /usr/bin/time ]; then echo "bench-process: skipped, GNU time (/usr/bin/time) is not installed"; exit 0; fi; \
	set -e; mkdir -p $(BENCH_DIR); \
	$(BIN) prices generate $(foreach t,$(BENCH_TYPES),--instance-types $(t)) --start 2025-01-06 --days 366 --seed 9 -o $(BENCH_DIR)/prices.json; \
	$(BIN) trace generate --start 2025-01-06 --days 365 --seed 9 -o $(BENCH_DIR)/year.csv 2>/dev/null; \
	/usr/bin/time -f 'one simulated year, whole process: %e s wall, %U s user, %M KB peak RSS' \
		$(BIN) sim --config examples/bench-year.yaml --prices $(BENCH_DIR)/prices.json --trace $(BENCH_DIR)/year.csv \
		--from 2025-01-06 --to 2026-01-06 --format json > $(BENCH_DIR)/year.json; \
	/usr/bin/time -f '16x university load, one year, whole process: %e s wall, %U s user, %M KB peak RSS' \
		$(BIN) sim --config examples/bench-year.yaml --prices $(BENCH_DIR)/prices.json --scale 16 \
		--from 2025-01-06 --to 2026-01-06 --format json > $(BENCH_DIR)/year-16x.json; \
	if [ -d $(SHARED)/peers/simpy ] && command -v python3 >/dev/null; then \
		[ -f $(BENCH_DIR)/simpy-year.csv ] || python3 $(SHARED)/peers/simpy/gen_trace.py --start 2022-03-10 --days 365 --seed 1 --out $(BENCH_DIR)/simpy-year.csv; \
		/usr/bin/time -f 'same work as the SimPy model (its README), whole process: %e s wall, %U s user, %M KB peak RSS' \
			$(BIN) sim --config $(SHARED)/peers/simpy/scalite-peer.yaml --prices $(SHARED)/data/spot-prices/eu-west-1_2022-03-09_2022-06-07.json \
			--trace $(BENCH_DIR)/simpy-year.csv --from 2022-03-10T00:00:00Z --to 2023-03-10T00:00:00Z --format json > $(BENCH_DIR)/simpy-year.json; \
	else echo "same work as the SimPy model: skipped, $(SHARED)/peers/simpy or python3 is absent"; fi

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(OUT)
