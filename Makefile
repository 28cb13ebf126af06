# lvsctl: see README.md. `make demo` and `make test` are the quick start.
GO      ?= go
BIN     := bin
PREFIX  ?= /usr/local
UNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
# The lab and fresh copies of the tree build without VCS stamping; the
# ldflags below carry what it would record (dist/version.sh).
export GOFLAGS ?= -buildvcs=false

# VERSION COMMIT DATE MODIFIED, "-" for an unknown field
BUILDINFO := $(shell sh dist/version.sh)
VERSION   := $(word 1,$(BUILDINFO))
bi        := github.com/lvsctl/lvsctl/internal/buildinfo
LDFLAGS   := -X $(bi).Version=$(VERSION) \
	-X $(bi).Commit=$(patsubst -,,$(word 2,$(BUILDINFO))) \
	-X $(bi).Date=$(patsubst -,,$(word 3,$(BUILDINFO))) \
	-X $(bi).Modified=$(word 4,$(BUILDINFO))

.PHONY: build test unit examples e2e e2e-all e2e-clone lab bench bench-native demo demo-ecmp install lint fuzz fuzz-short clean deb deb-test version

# lvsctl-bgp, the BGP speaker (GoBGP), is a program of its own so that
# lvsctl does not link GoBGP; the daemon finds it beside lvsctl.
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/lvsctl ./cmd/lvsctl
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/lvsctl-bgp ./cmd/lvsctl-bgp

version:
	@echo $(VERSION)

# lvsctl_VERSION_ARCH.deb and lvsctl-dropin_VERSION_all.deb in this
# directory, built by dpkg-buildpackage from debian/ (dist/deb/build.sh).
deb:
	bash dist/deb/build.sh

# Both packages built (as make deb) and installed into fresh Debian 12
# roots, with and without Debian's ipvsadm and ldirectord, and removed
# again (dist/deb/test.sh).
deb-test: lab
	@date -u +'== $@ %T'
	bash dist/deb/test.sh

# Everything CI runs: the lab's set-up first (it installs the packages some
# unit tests use too), lint, unit tests with the race detector, a short fuzz
# of every parser (config and the checks' replies), then the lab; last,
# the clone's lab run and the package test side by side (the one mostly
# emulates, the other mostly unpacks), each one's output in one piece.
test: lab lint unit fuzz-short examples e2e
	$(MAKE) -j2 --output-sync=target e2e-clone deb-test

unit:
	@date -u +'== $@ %T'
	$(GO) test -race -count=1 ./...
	# without the race detector, which changes stack sizes: the daemon's
	# waiting checks must fit the smallest goroutine stack
	$(GO) test -count=1 -run 'TestDaemonWaitingCheckStacks' ./cli

lab:
	@date -u +'== $@ %T'
	bash e2e/lab/lab.sh prepare

# Every config in examples/ passes --check with the recorded table.
examples: build
	@date -u +'== $@ %T'
	bash e2e/examples.sh

# The lab from a copy of this checkout under /tmp, which the guest hides
# under a tmpfs of its own.
e2e-clone: lab
	@date -u +'== $@ %T'
	bash e2e/clone-test.sh

e2e-all:
	$(MAKE) e2e E2E_ALL=1

e2e: build lab
	@date -u +'== $@ %T'
	bash e2e/servers/lab-servers.sh prepare $(BIN)/lab-servers
	$(GO) test -c -tags e2e -o $(BIN)/e2e.test ./e2e
	# lvsctl with checks that misbehave on purpose (the fault tests')
	$(GO) build -o $(BIN)/lvsctl-faults ./e2e/faultld
	$(GO) test -c -tags e2e -o $(BIN)/ipvsctl-e2e.test ./ipvsctl/netlink
	bash e2e/run.sh

# The native part: CPU of the listing code and the daemon's memory and
# CPU with 1,000 reals, without a kernel (fake IPVS table).
bench-native:
	$(GO) test -run X -bench . -benchtime 1x ./cli
	$(GO) test -run X -bench . ./ipvsctl/...

# BENCH_ONLY=overload: only the overloaded director (e2e/bench-overload.sh,
# a one-CPU guest); BENCH_ONLY=first: only the two-CPU boot (listings,
# daemon, BGP); BENCH_ONLY=daemon: only the daemon's and BGP's figures
# (e2e/bench-daemon.sh, e2e/bench-bgp.sh); none runs the native
# benchmarks. BENCH_BASELINE=REV adds the daemon's rounds of REV's lvsctl
# in the same boot (e2e/bench.sh).
bench: build lab $(if $(BENCH_ONLY),,bench-native)
	@command -v gnuplot >/dev/null || apt-get install -y -qq gnuplot-nox >/dev/null
	$(GO) build -o $(BIN)/benchtool ./e2e/benchtool
	bash e2e/bench.sh

demo: build lab
	bash e2e/demo.sh

# Three directors announcing a VIP over BGP to a BIRD router (ECMP), one
# killed during a long download (docs/scale-out.md).
demo-ecmp: build lab
	$(GO) test -c -tags e2e -o $(BIN)/e2e.test ./e2e
	bash e2e/demo-ecmp.sh

# Every fuzz target of the module, one after the other (e2e/fuzz.sh finds
# them): FUZZTIME each, 3 s in make test.
FUZZTIME ?= 2m
fuzz:
	GO=$(GO) bash e2e/fuzz.sh $(FUZZTIME)

fuzz-short:
	@date -u +'== $@ %T'
	GO=$(GO) bash e2e/fuzz.sh 3s

lint:
	@date -u +'== $@ %T'
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags e2e ./e2e ./ipvsctl/...
	$(GO) tool staticcheck ./...
	$(GO) tool staticcheck -tags e2e ./e2e ./ipvsctl/...

install: build
	install -D -m 0755 $(BIN)/lvsctl $(DESTDIR)$(PREFIX)/sbin/lvsctl
	install -D -m 0755 $(BIN)/lvsctl-bgp $(DESTDIR)$(PREFIX)/libexec/lvsctl/lvsctl-bgp
	install -d $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	# for the three names; ipvsadm's and ldirectord's call lvsctl back
	for p in lvsctl ipvsadm ldirectord; do \
		$(BIN)/lvsctl completion bash $$p >$(DESTDIR)$(BASHCOMPDIR)/$$p && \
		$(BIN)/lvsctl completion zsh $$p >$(DESTDIR)$(ZSHCOMPDIR)/_$$p && \
		$(BIN)/lvsctl completion fish $$p >$(DESTDIR)$(FISHCOMPDIR)/$$p.fish || exit 1; \
	done
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|g' dist/systemd/lvsctl-ldirectord.service >$(DESTDIR)$(UNITDIR)/lvsctl-ldirectord.service

clean:
	rm -rf $(BIN) e2e/out lvsctl_*.deb lvsctl-dropin_*.deb
