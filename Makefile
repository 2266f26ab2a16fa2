# Neko: `make` builds nekoctl and the example plugins (release, the build users
# run) and runs a short demo; `make test` runs the whole test suite. See README.md.
#
# Host and plugins are always built in one configuration: `make`/`make plugins`
# put release plugins in plugins/ for the release nekoctl; `make test` builds
# the debug tests and debug plugins into .build/debug/plugins, where the tests
# look for them (Tests/NekoLoaderTests/Support/Workspace.swift).

SWIFT      ?= swift
CC         ?= cc
CONFIG     ?= release
PLUGINS    ?= plugins
# The configuration the tests are built in, and where their plugins go.
TEST_CONFIG ?= debug
TEST_PLUGINS = .build/$(TEST_CONFIG)/plugins
# The official Python MCP client (PyPI `mcp`) that tests `nekoctl mcp`, in a virtual environment.
MCP_CLIENT  = mcp==1.30.0
MCP_VENV    = .build/mcp-venv
# Where `make test` installs Neko for the install test.
INSTALL_TEST = $(CURDIR)/.build/install-test
ABI_INCLUDE := SDK/Sources/NekoABI/include
CFLAGS_PLUGIN := -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -I $(ABI_INCLUDE)

SWIFT_EXAMPLES := hello async_fetch thread_safe reliable configurable persistent crashy
C_EXAMPLES     := cgreet

BIN = $(shell $(SWIFT) build -c $(CONFIG) --show-bin-path)
NEKOCTL = $(BIN)/nekoctl
RELEASE_BIN = $(shell $(SWIFT) build -c release --show-bin-path)

# Where `make install` puts things: $(PREFIX)/bin/{nekoctl,neko-worker},
# $(PREFIX)/include/neko_abi.h, $(PREFIX)/share/neko/{SDK,PluginTemplates}.
PREFIX ?= /usr/local
SHARE   = $(PREFIX)/share/neko

.PHONY: all build plugins demo test bench clean tools install mcp-venv

all: plugins demo

## Checks the tools a fresh machine needs, and installs what it can.
tools:
	@command -v $(SWIFT) >/dev/null || { echo "error: swift not found: install Swift 6.3.1 (https://swift.org/install)"; exit 1; }
	@command -v $(CC) >/dev/null || { echo "installing a C compiler (gcc)"; apt-get update -qq && apt-get install -y -qq gcc >/dev/null; }
	@test -f /usr/include/sqlite3.h || { echo "installing SQLite's headers (libsqlite3-dev)"; apt-get update -qq && apt-get install -y -qq libsqlite3-dev >/dev/null; }
	@test -f /usr/include/zlib.h || { echo "installing zlib's headers (zlib1g-dev, for ZIPFoundation: nekoctl pack)"; apt-get update -qq && apt-get install -y -qq zlib1g-dev >/dev/null; }
	@test -f /usr/include/openssl/evp.h || { echo "installing OpenSSL's headers (libssl-dev: SHA-256 and ed25519 for packages)"; apt-get update -qq && apt-get install -y -qq libssl-dev >/dev/null; }
	@test -f /usr/include/seccomp.h || { echo "installing libseccomp's headers (libseccomp-dev), for the plugin sandbox"; apt-get update -qq && apt-get install -y -qq libseccomp-dev >/dev/null; }

## Builds nekoctl and the example plugins into $(PLUGINS)/<id>/ (plugin.toml beside lib<id>.so).
build plugins: tools
	$(SWIFT) build -c $(CONFIG)
	@for id in $(SWIFT_EXAMPLES); do \
	  mkdir -p $(PLUGINS)/$$id && cp Examples/$$id/plugin.toml $(PLUGINS)/$$id/ && \
	  cp "$(BIN)/lib$$id.so" $(PLUGINS)/$$id/lib$$id.so.tmp && \
	  if [ "$(CONFIG)" = release ]; then strip --strip-debug $(PLUGINS)/$$id/lib$$id.so.tmp; fi && \
	  mv $(PLUGINS)/$$id/lib$$id.so.tmp $(PLUGINS)/$$id/lib$$id.so; \
	done
	@for id in $(C_EXAMPLES); do \
	  mkdir -p $(PLUGINS)/$$id && cp Examples/$$id/plugin.toml $(PLUGINS)/$$id/ && \
	  $(CC) $(CFLAGS_PLUGIN) Examples/$$id/$$id.c -o $(PLUGINS)/$$id/lib$$id.so.tmp && \
	  mv $(PLUGINS)/$$id/lib$$id.so.tmp $(PLUGINS)/$$id/lib$$id.so; \
	done
	@echo "built nekoctl ($(NEKOCTL)) and plugins: $(SWIFT_EXAMPLES) $(C_EXAMPLES)"

## A short tour: list the plugins, describe one, call a few entries.
demo:
	$(NEKOCTL) list
	$(NEKOCTL) info cgreet
	$(NEKOCTL) call hello greet name=Ada excited:=true
	$(NEKOCTL) call hello add a:=2 b:=40.5
	$(NEKOCTL) call hello relay name=Grace
	$(NEKOCTL) call cgreet greet --args '{"name":"Linus"}'
	$(NEKOCTL) call hello sleep ms:=20
	$(NEKOCTL) call thread_safe update key=color value=blue
	$(NEKOCTL) call persistent save key=greeting value="hello from SQLite"
	$(NEKOCTL) call persistent get key=greeting
	$(NEKOCTL) settings configurable
	$(NEKOCTL) call crashy pid
	@echo "# crashy runs in a worker process (isolation = \"process\"): its segfault is an error result (exit code 1):"
	@SWIFT_BACKTRACE=enable=no $(NEKOCTL) call crashy segfault || true
	@echo "# two error results, on purpose (exit code 1):"
	@$(NEKOCTL) call hello greet name:=42 || true
	@$(NEKOCTL) call hello fail message="a thrown error becomes an error result" || true

## The whole test suite: builds the plugins in the tests' configuration, then
## runs every test against them.
test: tools mcp-venv
	$(MAKE) plugins CONFIG=$(TEST_CONFIG) PLUGINS=$(TEST_PLUGINS)
	$(SWIFT) build -c $(TEST_CONFIG) --build-tests
	@# Serial: many tests block a thread of Swift's cooperative pool (2 wide here) while they
	@# spawn workers and wait; run in parallel they starve the async suites past their time limits.
	@# A real install for InstallTests, which builds a plugin against it (slow): before the
	@# tests, as `swift test` keeps .build locked; `make` then reuses its release build.
	rm -rf $(INSTALL_TEST)
	$(MAKE) install PREFIX=$(INSTALL_TEST)
	NEKO_INSTALLED=$(INSTALL_TEST) $(SWIFT) test -c $(TEST_CONFIG) --skip-build --no-parallel

## The Python MCP client for the tests of `nekoctl mcp` (Tests/MCPClient): a
## virtual environment in $(MCP_VENV), made once per pinned version.
mcp-venv: $(MCP_VENV)/.made-$(MCP_CLIENT)

$(MCP_VENV)/.made-$(MCP_CLIENT):
	@command -v python3 >/dev/null || { echo "installing Python 3 (python3)"; apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }
	@python3 -c 'import ensurepip, venv' 2>/dev/null || { echo "installing python3-venv (python3 -m venv)"; apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; }
	rm -rf $(MCP_VENV)
	python3 -m venv $(MCP_VENV)
	$(MCP_VENV)/bin/pip install -q --disable-pip-version-check '$(MCP_CLIENT)'
	@touch '$@'

## Speed figures (release build): prints medians and ratios.
bench: tools
	$(MAKE) plugins CONFIG=release PLUGINS=plugins
	$(SWIFT) build -c release --product neko-bench
	$(SWIFT) build -c release --product nekoctl
	$(shell $(SWIFT) build -c release --show-bin-path)/neko-bench $(PLUGINS)
	python3 Benchmarks/packages/figures.py $(shell $(SWIFT) build -c release --show-bin-path)/nekoctl $(PLUGINS)
	$(MAKE) mcp-venv
	$(MCP_VENV)/bin/python Benchmarks/mcp/figures.py $(shell $(SWIFT) build -c release --show-bin-path)/nekoctl $(PLUGINS)

## Installs nekoctl and the worker (release), the C header, the SDK package's
## sources (what plugins build against: `nekoctl new` plugins find it beside
## the nekoctl on PATH, or through $$NEKO_SDK) and the plugin templates.
## Each folder is replaced whole: written beside, then renamed in.
install: tools
	$(SWIFT) build -c release --product nekoctl
	$(SWIFT) build -c release --product neko-worker
	install -d "$(PREFIX)/bin" "$(PREFIX)/include" "$(SHARE)"
	install -m 755 "$(RELEASE_BIN)/nekoctl" "$(RELEASE_BIN)/neko-worker" "$(PREFIX)/bin/"
	install -m 644 $(ABI_INCLUDE)/neko_abi.h "$(PREFIX)/include/"
	@for part in SDK PluginTemplates; do \
	  rm -rf "$(SHARE)/$$part.new" && mkdir -p "$(SHARE)/$$part.new" && \
	  (cd $$part && tar -c --exclude=.build --exclude=.swiftpm --exclude=Package.resolved .) | tar -x -C "$(SHARE)/$$part.new" && \
	  rm -rf "$(SHARE)/$$part" && mv "$(SHARE)/$$part.new" "$(SHARE)/$$part" || exit 1; \
	done
	@echo "installed nekoctl and neko-worker in $(PREFIX)/bin, neko_abi.h in $(PREFIX)/include, the SDK and the templates in $(SHARE)"

clean:
	rm -rf .build $(PLUGINS)
