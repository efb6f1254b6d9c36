# Scalite: `make run` runs a complete what-if on embedded defaults, `make test`
# is what CI runs (.ci/run calls it).
GO       ?= go
BIN      := bin/scalite
OUT      ?= out
FUZZTIME ?= 3s

# package:target for every fuzz target; `make test` runs each for FUZZTIME.
FUZZ := ./datasets:FuzzReadPrices ./datasets:FuzzParseTrace ./datasets:FuzzParseCatalog ./config:FuzzParseConfig

.PHONY: all build run test unit fuzz bench lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/scalite

run: build
	@mkdir -p $(OUT)
	$(BIN) catalog --region eu-west-1
	$(BIN) prices generate -o $(OUT)/prices.json
	$(BIN) prices inspect $(OUT)/prices.json
	$(BIN) trace generate --profile university --days 28 --seed 1 -o $(OUT)/trace.csv
	$(BIN) trace inspect $(OUT)/trace.csv

test: lint unit fuzz

unit:
	$(GO) test -count=1 ./...

fuzz:
	@set -e; for f in $(FUZZ); do \
		pkg=$${f%%:*}; target=$${f##*:}; \
		echo "fuzz $$pkg $$target for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg >/dev/null || \
			{ $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; exit 1; }; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(OUT)
