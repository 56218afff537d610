# The two commands of the README's quick start. Each installs what it needs first.
.PHONY: demo test deps bench

SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

# Installs GMP and OpenSSL development files with apt-get, only when they are missing.
deps:
	@if ! pkg-config --exists gmp openssl 2>/dev/null; then \
		echo "Installing libgmp-dev libssl-dev pkg-config with apt-get"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libgmp-dev libssl-dev pkg-config; \
	fi

# The main job: a whole local consortium end to end on the bundled sample data (release build of
# both programs, since the demo starts apiary-agent processes). Results go to ./demo-out; pass
# DEMO_OUT=dir to choose another folder.
DEMO_OUT ?= demo-out
demo: deps
	swift build -c release --product apiary-coordinator
	swift build -c release --product apiary-agent
	rm -rf "$(DEMO_OUT)"
	.build/release/apiary-coordinator demo --out "$(DEMO_OUT)"

# Runs the test suite.
test: deps
	swift build --build-tests
	swift test --skip-build --parallel

# Release-built benchmarks; figures go to docs/PERFORMANCE.md.
bench: deps
	swift run -c release apiary-bench paillier
