# lvsctl: see README.md. `make demo` and `make test` are the quick start.
GO      ?= go
BIN     := bin
PREFIX  ?= /usr/local
UNITDIR ?= $(PREFIX)/lib/systemd/system
export GOFLAGS ?= -buildvcs=false

.PHONY: build test unit e2e e2e-all e2e-clone lab bench bench-native demo install lint fuzz fuzz-short clean

build:
	$(GO) build -o $(BIN)/lvsctl ./cmd/lvsctl

# Everything CI runs: the lab's set-up first (it installs the packages some
# unit tests use too), lint, unit tests with the race detector, a short fuzz
# of the config parser, then the lab.
test: lab lint unit fuzz-short e2e e2e-clone

unit:
	$(GO) test -race -count=1 ./...
	# without the race detector, which changes stack sizes: the daemon's
	# waiting checks must fit the smallest goroutine stack
	$(GO) test -count=1 -run 'TestDaemonWaitingCheckStacks' ./cli

lab:
	bash e2e/lab/lab.sh prepare

# The lab from a copy of this checkout under /tmp, which the guest hides
# under a tmpfs of its own.
e2e-clone: lab
	bash e2e/clone-test.sh

e2e-all:
	$(MAKE) e2e E2E_ALL=1

e2e: build lab
	bash e2e/servers/lab-servers.sh prepare $(BIN)/lab-servers
	$(GO) test -c -tags e2e -o $(BIN)/e2e.test ./e2e
	$(GO) test -c -tags e2e -o $(BIN)/ipvsctl-e2e.test ./ipvsctl/netlink
	bash e2e/run.sh

# The native part: CPU of the listing code and the daemon's memory and
# CPU with 1,000 reals, without a kernel (fake IPVS table).
bench-native:
	$(GO) test -run X -bench . -benchtime 1x ./cli
	$(GO) test -run X -bench . ./ipvsctl/...

bench: build lab bench-native
	@command -v gnuplot >/dev/null || apt-get install -y -qq gnuplot-nox >/dev/null
	$(GO) build -o $(BIN)/benchtool ./e2e/benchtool
	bash e2e/bench.sh

demo: build lab
	bash e2e/demo.sh

fuzz:
	$(GO) test -run XXX -fuzz FuzzParse -fuzztime 60s ./ldconf

fuzz-short:
	$(GO) test -run XXX -fuzz FuzzParse -fuzztime 10s ./ldconf

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags e2e ./e2e ./ipvsctl/...
	$(GO) tool staticcheck ./...
	$(GO) tool staticcheck -tags e2e ./e2e ./ipvsctl/...

install: build
	install -D -m 0755 $(BIN)/lvsctl $(DESTDIR)$(PREFIX)/sbin/lvsctl
	install -d $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(BIN)/lvsctl completion bash >$(DESTDIR)$(PREFIX)/share/bash-completion/completions/lvsctl
	$(BIN)/lvsctl completion zsh >$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_lvsctl
	$(BIN)/lvsctl completion fish >$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/lvsctl.fish
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|g' dist/systemd/lvsctl-ldirectord.service >$(DESTDIR)$(UNITDIR)/lvsctl-ldirectord.service

clean:
	rm -rf $(BIN) e2e/out
