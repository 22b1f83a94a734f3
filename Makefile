# focalbot — see README.md. Every target works on a fresh clone.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: run sandbox build test lint bench crashtest faulttest migrate

## run: without TELEGRAM_BOT_TOKEN the sandbox (the bot offline, in a browser); with it, the
## bot for real (TELEGRAM_BOT_TOKEN and DATABASE_URL from the environment)
run: build
	@if [ -n "$$TELEGRAM_BOT_TOKEN$$TELEGRAM_BOT_TOKEN_FILE" ]; then \
		exec ./bin/focalbot run; \
	else \
		echo "TELEGRAM_BOT_TOKEN is not set: starting the sandbox (see README)"; \
		exec ./bin/focalbot sandbox $(SANDBOX_FLAGS); \
	fi

## sandbox: the sandbox whatever the environment; SANDBOX_FLAGS="--reset --addr 127.0.0.1:8090"
sandbox: build
	./bin/focalbot sandbox $(SANDBOX_FLAGS)

## build: bin/focalbot
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/focalbot .

## test: every test, with the race detector, against a real PostgreSQL (see README); first
##       installs what the tests need when missing (.ci/test-deps)
test:
	@.ci/test-deps
	$(GO) test -race -count=1 ./...

## lint: go vet and gofmt
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## bench: the benchmarks, each printing its figures beside its target
bench:
	$(GO) test -run='^$$' -bench=. -benchtime=1x -count=1 ./...

## crashtest: SIGKILL the real binary N times during a broadcast; report lost and duplicated deliveries
##            (CRASHTEST_ARGS, e.g. "-n 10 -recipients 500"; DATABASE_URL or a throwaway cluster)
crashtest: build
	$(GO) run ./bot/delivery/crashtest -bin bin/focalbot $(CRASHTEST_ARGS)

## faulttest: restart a private PostgreSQL cluster N times at random moments during a 1,000-recipient
##            broadcast; report lost and duplicated deliveries (FAULTTEST_ARGS, e.g. "-n 20")
faulttest: build
	$(GO) run ./bot/delivery/crashtest -bin bin/focalbot -fault pg-restart -recipients 1000 $(FAULTTEST_ARGS)

## migrate: apply database migrations to DATABASE_URL and exit
migrate:
	$(GO) run . migrate
