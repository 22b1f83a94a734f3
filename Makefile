# focalbot — see README.md. Every target works on a fresh clone.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: run sandbox build test lint bench crashtest faulttest migrate locales deploy-check rollingtest

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
	$(GO) test -race -count=1 -timeout 30m ./...

## lint: go vet and gofmt
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## locales: what the translations lack: messages missing from a language, still in English, or
##          not using the glossary's terms and examples (locales/glossary.toml); LOCALE=kk for one
locales:
	$(GO) run ./locales/report $(if $(LOCALE),-lang $(LOCALE))

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

## deploy-check: the install files in deploy/: systemd-analyze verify of the unit, promtool check
##               and test of the alerting rules, the dashboard's queries, the compose file; first
##               installs what it needs when missing (.ci/deploy-deps)
deploy-check:
	@.ci/deploy-deps
	@.ci/deploy-check

## rollingtest: the README's rolling upgrade with the real binaries: two instances of OLD (default: the
##              same build), a broadcast, the leader stopped and started on this build; reports lost
##              and duplicated deliveries and the time without a lease holder (needs DATABASE_URL;
##              ROLLINGTEST_ARGS=-webhook for updates by webhook through a balancer, -to-webhook
##              for the move from polling to a webhook)
rollingtest: build
	$(GO) run ./deploy/rollingtest -new bin/focalbot $(if $(OLD),-old $(OLD)) $(ROLLINGTEST_ARGS)

## migrate: apply database migrations to DATABASE_URL and exit
migrate:
	$(GO) run . migrate
