# SPDX-License-Identifier: GPL-2.0-only
# minewall build. `make` leaves build/minewalld and build/minewall.
# `make SAN=1` builds the same into build/san with AddressSanitizer and UBSan.

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
SHELL := /bin/bash
.SUFFIXES:

PREFIX ?= /usr/local
DESTDIR ?=
SAN ?= 0
FUZZ ?= 0
BUILD_ROOT := build
ifeq ($(FUZZ),1)
BUILD := $(BUILD_ROOT)/fuzz
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
else ifeq ($(SAN),1)
BUILD := $(BUILD_ROOT)/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD := $(BUILD_ROOT)
SANFLAGS :=
endif

CLANG ?= clang
CC ?= clang
ifeq ($(origin CC),default)
CC := clang
endif
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null || gcc -print-multiarch)

PKGS := libbpf libelf zlib libnftnl libmnl inih jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Wall -Werror -D__TARGET_ARCH_$(ARCH) \
	-Iinclude -Ibpf -I/usr/include/$(MULTIARCH)
CFLAGS ?= -O2 -gdwarf-4 # valgrind 3.19 cannot read clang 14's DWARF 5
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -D_GNU_SOURCE \
	-Iinclude -Iuser -I$(BUILD) $(PKG_CFLAGS) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
LDLIBS += $(PKG_LIBS) -lm

BPF_SRCS := bpf/xdp_ingress.bpf.c bpf/tc_egress.bpf.c bpf/sock_owner.bpf.c
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL := $(BUILD)/minewall.skel.h

# user-space code shared by the agent, the CLI and the tests
LIB_SRCS := user/log.c user/util.c user/addr.c user/config.c user/pinned.c \
	user/flowtable.c user/stats.c user/enforce/nft.c user/control.c user/server.c \
	user/parse/list.c user/parse/dns.c user/parse/tls.c user/parse/stratum.c user/parse/login_reply.c \
	user/detect/blacklist.c user/detect/dnsq.c user/detect/bpatterns.c user/detect/dirnet.c \
	user/detect/reasm.c
AGENT_SRCS := user/minewalld.c user/loader.c user/events.c user/localaddr.c \
	user/agent_flows.c user/enforce/policy.c user/enforce/allow.c user/enforce/hook.c \
	user/agent_control.c user/agent_detect.c user/agent_blacklist.c user/bl_kernel.c \
	user/agent_bpatterns.c user/owner.c user/agent_dirnet.c \
	user/agent_metrics.c user/output/metrics.c user/agent_ipfix.c user/output/ipfix.c user/detect/dict.c user/detect/dict_tries.c user/output/eve.c \
	user/privs.c
CLI_SRCS := user/cli/main.c user/cli/cmd_flows.c user/cli/cmd_status.c \
	user/cli/cmd_blocks.c user/cli/cmd_blacklist.c user/cli/cmd_dirnet.c user/cli/cmd_events.c \
	user/cli/output.c

LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
AGENT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(AGENT_SRCS))
CLI_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRCS))

TEST_PROGS := $(BUILD)/selftests/test_packets $(BUILD)/selftests/test_unit $(BUILD)/selftests/test_dict \
	$(BUILD)/selftests/test_dict_tries \
	$(BUILD)/selftests/test_lists $(BUILD)/selftests/test_dnstrust \
	$(BUILD)/selftests/test_patterns $(BUILD)/selftests/test_nft $(BUILD)/selftests/bench_sendmmsg \
	$(BUILD)/selftests/test_policy $(BUILD)/selftests/test_login_reply

all: $(BUILD)/minewalld $(BUILD)/minewall

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/*.h include/minewall.h
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/minewall.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(BUILD)/minewall.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name minewall_bpf > $@

$(BUILD)/selftests/bench_gen.bpf.o: selftests/bench_gen.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench_gen.skel.h: $(BUILD)/selftests/bench_gen.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_gen > $@

$(BUILD)/selftests/bench_packets.o: $(BUILD)/bench_gen.skel.h

$(BUILD)/%.o: %.c | $(SKEL)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/minewalld: $(AGENT_OBJS) $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/minewall: $(CLI_OBJS) $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/test_packets: $(BUILD)/selftests/test_packets.o \
		$(BUILD)/selftests/pktgen.o $(BUILD)/selftests/test.o $(BUILD)/user/loader.o \
		$(BUILD)/user/bl_kernel.o $(BUILD)/user/events.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/test_dict: $(BUILD)/selftests/test_dict.o $(BUILD)/selftests/test.o \
		$(BUILD)/user/detect/dict.o $(BUILD)/user/detect/dict_tries.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/test_dict_tries: $(BUILD)/selftests/test_dict_tries.o $(BUILD)/selftests/test.o \
		$(BUILD)/user/detect/dict.o $(BUILD)/user/detect/dict_tries.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/test_policy: $(BUILD)/selftests/test_policy.o $(BUILD)/selftests/test.o \
		$(BUILD)/user/enforce/policy.o $(BUILD)/user/enforce/allow.o \
		$(BUILD)/user/localaddr.o $(BUILD)/user/output/eve.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/test_unit: $(BUILD)/selftests/test_unit.o $(BUILD)/selftests/test.o \
		$(BUILD)/user/events.o $(BUILD)/user/agent_flows.o $(BUILD)/user/detect/dict.o $(BUILD)/user/detect/dict_tries.o \
		$(BUILD)/user/enforce/policy.o $(BUILD)/user/enforce/allow.o $(BUILD)/user/localaddr.o \
		$(BUILD)/user/output/eve.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/test_lists: $(BUILD)/selftests/test_lists.o $(BUILD)/selftests/test.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# the agent's blacklist module on the real programs' tries
$(BUILD)/selftests/test_dnstrust: $(BUILD)/selftests/test_dnstrust.o $(BUILD)/selftests/test.o \
		$(BUILD)/user/agent_blacklist.o $(BUILD)/user/bl_kernel.o $(BUILD)/user/loader.o \
		$(BUILD)/user/events.o $(BUILD)/user/localaddr.o $(BUILD)/user/enforce/allow.o \
		$(BUILD)/user/enforce/policy.o $(BUILD)/user/enforce/hook.o $(BUILD)/user/output/eve.o \
		$(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/test_patterns: $(BUILD)/selftests/test_patterns.o $(BUILD)/selftests/test.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/test_login_reply: $(BUILD)/selftests/test_login_reply.o $(BUILD)/selftests/test.o \
		$(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/test_nft: $(BUILD)/selftests/test_nft.o $(BUILD)/selftests/test.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/bench_nft: $(BUILD)/selftests/bench_nft.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/bench_agent.o: $(BUILD)/bench_gen.skel.h

$(BUILD)/selftests/bench_agent: $(BUILD)/selftests/bench_agent.o $(BUILD)/user/events.o \
		$(BUILD)/user/agent_flows.o $(BUILD)/user/detect/dict.o $(BUILD)/user/detect/dict_tries.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/bench_sendmmsg: $(BUILD)/selftests/bench_sendmmsg.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@

$(BUILD)/selftests/bench_packets: $(BUILD)/selftests/bench_packets.o \
		$(BUILD)/selftests/pktgen.o $(BUILD)/selftests/test.o $(BUILD)/user/loader.o \
		$(BUILD)/user/bl_kernel.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# 10 minutes (SOAK_SECONDS) of mixed traffic and attacks: RSS and CPU.
soak: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/selftests/bench_sendmmsg
	$(Q)MW_BIN=$(BUILD) bash selftests/soak.sh

# libFuzzer harnesses (selftests/fuzz/), one per parser of outside bytes;
# `make fuzz FUZZ_SECONDS=N` runs each for N seconds from the seed corpora.
FUZZERS := config list dns tls stratum control ipfix
FUZZ_BINS := $(addprefix $(BUILD)/fuzz_,$(FUZZERS))
FUZZ_SECONDS ?= 60

$(BUILD)/fuzz_%: $(BUILD)/selftests/fuzz/fuzz_%.o $(LIB_OBJS) $(BUILD)/user/output/ipfix.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -o $@

fuzzers: $(FUZZ_BINS)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory FUZZ=1 fuzzers
	$(Q)bash selftests/fuzz/run.sh $(BUILD_ROOT)/fuzz $(FUZZ_SECONDS)

# Installs the Debian packages that build, tests and benchmarks use.
deps:
	$(Q)bash scripts/setup-deps.sh all

deps-run:
	$(Q)bash scripts/setup-deps.sh run

# The build's packages and the linters only: no test tool chain.
deps-lint:
	$(Q)bash scripts/setup-deps.sh lint

# Builds and runs the agent in the foreground on the default-route interface.
run: deps-run
	$(Q)$(MAKE) --no-print-directory all
	./$(BUILD)/minewalld $(RUN_ARGS)

test: deps
	$(Q)$(MAKE) --no-print-directory SAN=1 all $(subst $(BUILD_ROOT)/,$(BUILD_ROOT)/san/,$(TEST_PROGS))
	$(Q)$(MAKE) --no-print-directory FUZZ=1 fuzzers
	$(Q)$(MAKE) --no-print-directory all # the agent under valgrind (test_robust)
	$(Q)MW_FUZZ_BIN=$(BUILD_ROOT)/fuzz MW_PLAIN_BIN=$(BUILD_ROOT) bash selftests/run.sh $(BUILD_ROOT)/san

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/selftests/bench_packets $(BUILD)/selftests/bench_nft \
		$(BUILD)/selftests/bench_agent $(BUILD)/selftests/bench_sendmmsg
	$(Q)bash selftests/bench.sh $(BUILD)

SHELL_SCRIPTS := $(wildcard scripts/*.sh selftests/*.sh selftests/e2e/*.sh selftests/fuzz/*.sh .ci/run)
C_SRCS := $(wildcard user/*.c user/*/*.c include/*.h bpf/*.c bpf/*.h selftests/*.c selftests/*.h \
	selftests/fuzz/*.c user/*.h user/*/*.h)

# clang-tidy: the analyzer and bugprone checks, less those that flag idioms
# of C itself (memcpy, snprintf) or are known false positives on clang 14 (va_list)
TIDY_CHECKS := -*,clang-analyzer-*,bugprone-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-valist.Uninitialized,-clang-analyzer-unix.Malloc,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition,-bugprone-suspicious-string-compare,-bugprone-implicit-widening-of-multiplication-result

# clang-tidy compiles user/*.c, and some include the BPF skeleton: it is
# generated first (clang and bpftool, no link of anything).
lint: deps-lint
	$(Q)$(MAKE) --no-print-directory $(SKEL)
	$(Q)clang-format --dry-run --Werror $(C_SRCS)
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem --suppress=unknownMacro --inline-suppr \
		--suppress=invalidPrintfArgType_sint:selftests/test_nft.c \
		-Iinclude -Iuser $(filter-out bpf/% %.bpf.c,$(filter %.c,$(C_SRCS)))
	$(Q)clang-tidy --quiet --checks='$(TIDY_CHECKS)' --warnings-as-errors='*' \
		$(filter user/%.c,$(C_SRCS)) -- $(filter-out -MMD -MP $(SANFLAGS),$(CFLAGS)) 2>&1 \
		| grep -v 'warnings\? generated' || true; test $${PIPESTATUS[0]} -eq 0
	$(Q)shellcheck -x $(SHELL_SCRIPTS)

format:
	$(Q)clang-format -i $(C_SRCS)

# PREFIX=/usr/local by default; DESTDIR for staging and packaging. The
# example config becomes the config only where none exists yet.
SBINDIR = $(PREFIX)/sbin
MANDIR = $(PREFIX)/share/man
DATADIR = $(PREFIX)/share/minewall
UNITDIR = $(PREFIX)/lib/systemd/system
COMPLETIONDIR = $(PREFIX)/share/bash-completion/completions
INSTALLED = $(SBINDIR)/minewalld $(SBINDIR)/minewall $(MANDIR)/man8/minewalld.8 \
	$(MANDIR)/man8/minewall.8 $(MANDIR)/man5/minewall.conf.5 $(UNITDIR)/minewalld.service \
	$(COMPLETIONDIR)/minewall $(COMPLETIONDIR)/minewalld $(DATADIR)/minewall.nft \
	$(DATADIR)/minewall-teardown.nft /etc/minewall/minewall.conf.example

$(BUILD)/man/minewall.conf.5: etc/minewall.conf scripts/conf2man.awk
	@mkdir -p $(@D)
	$(Q)awk -f scripts/conf2man.awk etc/minewall.conf > $@

install: all $(BUILD)/man/minewall.conf.5
	install -D -m 0755 $(BUILD)/minewalld $(DESTDIR)$(SBINDIR)/minewalld
	install -D -m 0755 $(BUILD)/minewall $(DESTDIR)$(SBINDIR)/minewall
	install -D -m 0644 man/minewalld.8 $(DESTDIR)$(MANDIR)/man8/minewalld.8
	install -D -m 0644 man/minewall.8 $(DESTDIR)$(MANDIR)/man8/minewall.8
	install -D -m 0644 $(BUILD)/man/minewall.conf.5 $(DESTDIR)$(MANDIR)/man5/minewall.conf.5
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|' dist/minewalld.service > $(DESTDIR)$(UNITDIR)/minewalld.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/minewalld.service
	install -D -m 0644 dist/minewall.bash $(DESTDIR)$(COMPLETIONDIR)/minewall
	ln -sf minewall $(DESTDIR)$(COMPLETIONDIR)/minewalld
	install -D -m 0644 nft-scripts/minewall.nft $(DESTDIR)$(DATADIR)/minewall.nft
	install -D -m 0644 nft-scripts/minewall-teardown.nft $(DESTDIR)$(DATADIR)/minewall-teardown.nft
	install -D -m 0644 etc/minewall.conf $(DESTDIR)/etc/minewall/minewall.conf.example
	[ -e $(DESTDIR)/etc/minewall/minewall.conf ] || \
		install -m 0640 etc/minewall.conf $(DESTDIR)/etc/minewall/minewall.conf
	install -d -m 0755 $(DESTDIR)/etc/minewall/blacklist.d

# A lab of namespaces with an attack, a miner and an outbound connection.
demo: deps-run all
	$(Q)MW_BIN=$(BUILD) bash scripts/demo.sh

# Leaves /etc/minewall/minewall.conf and the state in /var/lib/minewall.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

clean:
	$(call msg,CLEAN,$(BUILD_ROOT))
	$(Q)rm -rf $(BUILD_ROOT)

.PHONY: all deps deps-run deps-lint run test bench soak fuzz fuzzers lint format install uninstall demo clean

-include $(shell find $(BUILD_ROOT) -name '*.d' 2>/dev/null)
