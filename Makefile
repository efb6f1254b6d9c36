# Scalite: `make run` runs a complete what-if on embedded defaults, `make test`
# is what CI runs (.ci/run calls it).
GO       ?= go
BIN      := bin/scalite
OUT      ?= out
FUZZTIME ?= 3s

# package:target for every fuzz target; `make test` runs each for FUZZTIME.
FUZZ := ./datasets:FuzzReadPrices ./datasets:FuzzParseTrace ./datasets:FuzzParseCatalog ./config:FuzzParseConfig \
	./timetable:FuzzParse ./traceimport:FuzzReadEventsXML

.PHONY: all build run test unit regress fuzz bench lint clean

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
# of work (kernel hold model, one simulated year, price reading).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(OUT)
