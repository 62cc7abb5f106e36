# Kasse: `make demo` opens the till in demo mode, `make test` runs every test.
GO      ?= go
BIN     ?= bin
# Fyne logs a locale error on every start without a UTF-8 locale.
export LANG ?= en_US.UTF-8
# The Fyne tool, at the version the README's package is built with.
FYNE    ?= $(GO) run fyne.io/tools/cmd/fyne@v1.7.4
VERSION := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# FyneApp.toml's [Migrations] fyneDo = true is the build tag migrated_fynedo:
# the fyne tool adds it; a plain go build must too, or the two builds differ.
TAGS    := migrated_fynedo
LDFLAGS := -X main.commit=$(COMMIT)

.PHONY: demo test deps build bench bench-go bench-relay bench-ui long-test screenshots customer-screenshots windows package vet fmt clean

demo: build ## install what is missing, build, and open the till in demo mode
	$(BIN)/kasse -demo

deps: ## Fyne's C libraries (Debian/Ubuntu, only when missing)
	@./scripts/deps.sh

build: deps
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN)/kasse ./cmd/kasse
	$(GO) build -o $(BIN)/kasse-relay ./cmd/kasse-relay
	$(GO) build -o $(BIN)/kasse-sim ./cmd/kasse-sim

test: deps ## every test, with the race detector
	$(GO) vet ./...
	$(GO) test -race -timeout 15m ./...

bench: bench-go bench-relay bench-ui ## every benchmark behind the README's figures

bench-go: ## Go benchmarks, 5 runs each (compare runs with benchstat)
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./app/... ./payments/... ./hardware/...

bench-relay: build ## the relay side by side on bbolt, one JetStream node and a three-node cluster: ingest, latency, memory of 10,000 idle tills, and the disk's fsync rate (~10 min)
	$(BIN)/kasse-relay bench

bench-ui: build ## the till with a generated 10,000-product catalog: search and tap in the test driver, then first frame, memory, tap and Pay in a real window under Xvfb (~5 min)
	@./scripts/deps.sh --with-tools
	$(GO) build -o $(BIN)/kasse-bench ./cmd/kasse-bench
	@$(GO) test -run '^$$' -bench 'Search10k|TapToBasket10k' -benchtime 200x ./ui/ | awk '\
		/ms\/search/ { for (i = 1; i <= NF; i++) if ($$i == "ms/search") printf "  %-40s %8.2f ms   goal < 5 ms (Fyne test driver, median of %d)\n", "search incl. the grid update", $$(i-1), $$2 } \
		/ms\/tap/ { for (i = 1; i <= NF; i++) if ($$i == "ms/tap") printf "  %-40s %8.2f ms   goal < 50 ms (Fyne test driver, median of %d)\n", "tap on a tile to its basket line", $$(i-1), $$2 } \
		/FAIL|panic/ { print; failed = 1 } END { exit failed }'
	xvfb-run -a -s "-screen 0 1280x800x24" $(BIN)/kasse-bench -runs 5

long-test: ## the crash matrix over many random seeds (KASSE_SEEDS=500 for more; ~2 s a seed)
	KASSE_LONG=1 $(GO) test -race -run TestManySeeds -timeout 120m -v ./app/proof/

screenshots: build ## the README's screenshots, from a real window under Xvfb
	@./scripts/deps.sh --with-tools
	xvfb-run -a -s "-screen 0 1280x800x24" ./scripts/screenshots.sh $(BIN)/kasse docs
	./scripts/screenshots-markets.sh $(BIN)/kasse docs
	./scripts/screenshots-setup.sh $(BIN)/kasse docs
	./scripts/kiosk-screenshots.sh $(BIN)/kasse docs
	./scripts/customer-screenshots.sh $(BIN)/kasse docs

customer-screenshots: build ## the customer display's screenshots (docs/customer-display*.png), under Xvfb
	@./scripts/deps.sh --with-tools
	./scripts/customer-screenshots.sh $(BIN)/kasse docs

windows: ## cross-build kasse.exe (needs gcc-mingw-w64-x86-64)
	@command -v x86_64-w64-mingw32-gcc >/dev/null || ./scripts/deps.sh --with-cross
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc $(GO) build -tags $(TAGS) -ldflags "-H=windowsgui $(LDFLAGS)" -o $(BIN)/kasse.exe ./cmd/kasse

# The Linux package is made by the fyne tool around the binary `make build`
# made (same tags, same build cache: no second cold cgo build). The tool reads
# FyneApp.toml from a staging folder, since it raises Build in the file it
# reads: the repository's copy stays as it is.
package: build windows ## Kasse-VERSION-linux-amd64.tar.xz (fyne package) and kasse.exe
	rm -rf $(BIN)/pkg && mkdir -p $(BIN)/pkg
	sed 's|assets/Icon.png|Icon.png|' FyneApp.toml > $(BIN)/pkg/FyneApp.toml
	cp assets/Icon.png $(BIN)/pkg/
	printf 'package main\n' > $(BIN)/pkg/main.go
	cp $(BIN)/kasse $(BIN)/pkg/kasse
	cd $(BIN)/pkg && $(FYNE) package -os linux --executable kasse --name Kasse --release
	mv $(BIN)/pkg/Kasse.tar.xz $(BIN)/Kasse-$(VERSION)-linux-amd64.tar.xz
	rm -rf $(BIN)/pkg
	@ls -l $(BIN)/Kasse-$(VERSION)-linux-amd64.tar.xz $(BIN)/kasse.exe

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }

clean:
	rm -rf $(BIN)
