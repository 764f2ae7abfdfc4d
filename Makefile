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
	-Iinclude -Iuser -I$(BUILD) $(PKG_CFLAGS) $(CURL_CFLAGS) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
LDLIBS += $(PKG_LIBS) -lm

BPF_SRCS := bpf/xdp_ingress.bpf.c bpf/tc_egress.bpf.c bpf/tc_port.bpf.c bpf/sock_owner.bpf.c
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL := $(BUILD)/minewall.skel.h

# user-space code shared by the agent, the CLI and the tests
LIB_SRCS := user/lib/log.c user/lib/util.c user/lib/addr.c user/lib/pinned.c user/lib/flowtable.c \
	user/lib/stats.c user/lib/control.c user/parse/config.c user/enforce/nft.c \
	user/parse/name.c user/parse/list.c user/parse/ja4.c user/parse/dns.c user/parse/tls.c user/parse/stratum.c user/parse/login_reply.c \
	user/detect/blacklist.c user/detect/dnsq.c user/detect/bpatterns.c user/detect/dirnet.c user/detect/dirnet_seen.c \
	user/detect/doh.c user/detect/flow_wait.c \
	user/detect/reasm.c user/parse/cgroup_path.c user/lib/container.c \
	user/detect/outscan.c user/parse/http_rpc.c user/parse/websocket.c
# the daemon: its own modules (user/agent/) and what only it links
AGENT_SRCS := $(wildcard user/agent/*.c) user/enforce/policy.c user/enforce/policy_ct.c user/enforce/ledger.c \
	user/enforce/allow.c user/enforce/hook.c user/output/metrics.c user/output/ipfix.c \
	user/output/eve.c user/output/eve_suricata.c user/lib/statefile.c user/detect/dict.c user/detect/dict_tries.c \
	user/parse/resolv_conf.c user/parse/ntp_conf.c user/parse/proc_net_tcp.c user/lib/conntrack.c \
	user/parse/proxy.c
# the CrowdSec LAPI client (user/fleet/), linked by the daemon only
FLEET_SRCS := $(wildcard user/fleet/*.c)
CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS := $(shell pkg-config --libs libcurl 2>/dev/null) -pthread
CLI_SRCS := user/cli/main.c user/cli/cmd_flows.c user/cli/cmd_status.c \
	user/cli/cmd_blocks.c user/cli/cmd_blacklist.c user/cli/cmd_dirnet.c user/cli/cmd_events.c \
	user/cli/output.c

LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
AGENT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(AGENT_SRCS))
FLEET_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(FLEET_SRCS))
CLI_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRCS))

# the unit suites, each named after the module it tests (test_X.c tests X.c)
UNIT_TESTS := config util statefile events flow_scan server eve policy stratum bpatterns reasm \
	dirnet list blacklist dns dnsq tls ja4 agent_blacklist dict dict_tries login_reply nft proc_net_tcp \
	ntp_conf resolv_conf fleet cs_ids crowdsec container bridges doh flow_wait proxy dirnet_allows outscan \
	http_rpc websocket
UNIT_TEST_PROGS := $(addprefix $(BUILD)/selftests/test_,$(UNIT_TESTS))
TEST_PROGS := $(BUILD)/selftests/test_packets $(UNIT_TEST_PROGS) $(BUILD)/selftests/bench/bench_sendmmsg \
	$(BUILD)/selftests/lapi_probe

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

$(BUILD)/selftests/bench/bench_gen.bpf.o: selftests/bench/bench_gen.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench_gen.skel.h: $(BUILD)/selftests/bench/bench_gen.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_gen > $@

$(BUILD)/selftests/bench/bench_packets.o: $(BUILD)/bench_gen.skel.h

$(BUILD)/%.o: %.c | $(SKEL)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/minewalld: $(AGENT_OBJS) $(FLEET_OBJS) $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) $(CURL_LIBS) -o $@

$(BUILD)/minewall: $(CLI_OBJS) $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

PACKET_TESTS := test_packets test_packets_parse test_packets_tcp test_packets_watched \
	test_packets_peek test_packets_block test_packets_fuzz test_packets_agent pkt_harness
$(BUILD)/selftests/test_packets: $(patsubst %,$(BUILD)/selftests/%.o,$(PACKET_TESTS)) \
		$(BUILD)/selftests/pktgen.o $(BUILD)/selftests/test.o $(BUILD)/user/agent/loader.o \
		$(BUILD)/user/agent/blacklist_maps.o $(BUILD)/user/agent/events.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# A unit suite links its module and what that calls, nothing more; the
# objects of each follow.
$(UNIT_TEST_PROGS): $(BUILD)/selftests/test_%: $(BUILD)/selftests/test_%.o $(BUILD)/selftests/test.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

user_objs = $(patsubst %,$(BUILD)/user/%.o,$(1))
TEST_DATA_OBJ := $(BUILD)/selftests/data.o

$(BUILD)/selftests/test_config: $(call user_objs,parse/config lib/addr lib/util)
$(BUILD)/selftests/test_cs_ids: $(call user_objs,fleet/ids lib/addr)
$(BUILD)/selftests/test_util: $(call user_objs,lib/util lib/addr lib/flowtable)
$(BUILD)/selftests/test_statefile: $(call user_objs,lib/statefile)
$(BUILD)/selftests/test_events: $(call user_objs,agent/events lib/log)
$(BUILD)/selftests/test_flow_scan: $(call user_objs,agent/flow_scan agent/events parse/config \
	lib/addr lib/flowtable lib/log lib/util)
$(BUILD)/selftests/test_server: $(call user_objs,agent/server lib/log lib/util)
$(BUILD)/selftests/test_eve: $(call user_objs,output/eve output/eve_suricata lib/addr lib/log lib/util)
$(BUILD)/selftests/test_policy: $(call user_objs,enforce/policy enforce/policy_ct enforce/ledger enforce/allow \
	enforce/nft parse/resolv_conf parse/proc_net_tcp agent/localaddr output/eve output/eve_suricata parse/config \
	lib/addr lib/log lib/statefile lib/util)
$(BUILD)/selftests/test_stratum: $(TEST_DATA_OBJ) $(call user_objs,parse/stratum)
$(BUILD)/selftests/test_bpatterns: $(call user_objs,detect/bpatterns parse/stratum parse/http_rpc \
	parse/websocket detect/dirnet_seen detect/dirnet detect/dnsq parse/dns parse/name lib/addr lib/util)
$(BUILD)/selftests/test_http_rpc: $(call user_objs,parse/http_rpc)
$(BUILD)/selftests/test_websocket: $(call user_objs,parse/websocket)
$(BUILD)/selftests/test_reasm: $(call user_objs,detect/reasm detect/bpatterns parse/stratum \
	parse/http_rpc parse/websocket parse/tls parse/ja4 parse/name lib/addr)
$(BUILD)/selftests/test_dirnet: $(call user_objs,detect/dirnet detect/dnsq parse/dns parse/name \
	lib/addr lib/util)
$(BUILD)/selftests/test_doh: $(call user_objs,detect/doh parse/list parse/ja4 parse/name lib/addr lib/util)
$(BUILD)/selftests/test_doh.o: $(BUILD)/doh_list.h
$(BUILD)/selftests/test_flow_wait: $(call user_objs,detect/flow_wait)

# The shipped DoH endpoints (etc/doh.list), compiled into the agent as a C string
$(BUILD)/doh_list.h: etc/doh.list
	$(call msg,GEN,$@)
	@mkdir -p $(@D)
	$(Q)awk 'BEGIN { print "static const char mw_doh_builtin[] =" } \
		{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "\t\"" $$0 "\\n\"" } \
		END { print ";" }' $< > $@
$(BUILD)/user/agent/dirnet_doh.o: $(BUILD)/doh_list.h
$(BUILD)/selftests/test_list: $(TEST_DATA_OBJ) $(call user_objs,parse/list parse/ja4 parse/name \
	detect/blacklist agent/blacklist_lists lib/addr lib/log lib/util)
$(BUILD)/selftests/test_blacklist: $(TEST_DATA_OBJ) $(call user_objs,detect/blacklist parse/list parse/ja4 \
	parse/name agent/blacklist_lists parse/config lib/addr lib/log lib/util)
$(BUILD)/selftests/test_dns: $(TEST_DATA_OBJ) $(call user_objs,parse/dns parse/name lib/addr)
$(BUILD)/selftests/test_dnsq: $(call user_objs,detect/dnsq)
$(BUILD)/selftests/test_tls: $(TEST_DATA_OBJ) $(call user_objs,parse/tls parse/name lib/addr)
$(BUILD)/selftests/test_ja4: $(TEST_DATA_OBJ) $(call user_objs,parse/ja4)
# the agent's blacklist module on the real programs' tries
$(BUILD)/selftests/test_agent_blacklist: $(TEST_DATA_OBJ) $(call user_objs,agent/blacklist \
	agent/blacklist_lists agent/blacklist_dns agent/blacklist_hits agent/blacklist_control \
	agent/tls_hello parse/ja4 \
	agent/blacklist_maps agent/loader agent/events agent/localaddr detect/blacklist \
	detect/dirnet detect/dnsq detect/reasm enforce/allow enforce/nft enforce/policy \
	enforce/policy_ct enforce/ledger output/eve output/eve_suricata parse/config parse/resolv_conf parse/proc_net_tcp parse/dns \
	parse/list parse/name parse/tls lib/addr lib/flowtable lib/log lib/pinned lib/statefile \
	lib/util agent/nat_view agent/port_addr agent/process lib/conntrack lib/container parse/cgroup_path)
$(BUILD)/selftests/test_dict: $(call user_objs,detect/dict detect/dict_tries parse/login_reply \
	parse/config lib/addr lib/util)
$(BUILD)/selftests/test_dict_tries: $(call user_objs,detect/dict detect/dict_tries \
	parse/login_reply parse/config lib/addr lib/util)
$(BUILD)/selftests/test_login_reply: $(call user_objs,parse/login_reply)
$(BUILD)/selftests/test_proxy: $(TEST_DATA_OBJ) $(call user_objs,parse/proxy)
$(BUILD)/selftests/test_dirnet_allows: $(call user_objs,detect/dirnet \
	detect/dnsq parse/dns parse/name lib/addr lib/util)
$(BUILD)/selftests/test_proc_net_tcp: $(call user_objs,parse/proc_net_tcp lib/addr)
$(BUILD)/selftests/test_ntp_conf: $(call user_objs,parse/ntp_conf)
$(BUILD)/selftests/test_container: $(call user_objs,lib/container parse/cgroup_path lib/log lib/util)
$(BUILD)/selftests/test_resolv_conf: $(call user_objs,parse/resolv_conf lib/addr)
$(BUILD)/selftests/test_bridges: $(call user_objs,agent/bridges agent/loader agent/localaddr lib/addr \
	lib/log lib/util lib/pinned)
$(BUILD)/selftests/test_nft: $(call user_objs,enforce/nft lib/addr lib/log lib/util)
$(BUILD)/selftests/test_outscan: $(call user_objs,detect/outscan lib/addr)
$(BUILD)/selftests/test_fleet: $(call user_objs,fleet/decision fleet/alert fleet/pushq \
	lib/statefile lib/addr lib/util)

# the fleet link's decisions on a real policy (no thread, no HTTP)
$(BUILD)/selftests/test_crowdsec: LDLIBS += $(CURL_LIBS)
$(BUILD)/selftests/test_crowdsec: $(call user_objs,agent/crowdsec agent/privs fleet/lapi fleet/alert fleet/decision fleet/pushq \
	fleet/ids enforce/policy enforce/policy_ct enforce/ledger enforce/allow enforce/nft parse/resolv_conf \
	parse/proc_net_tcp agent/localaddr output/eve output/eve_suricata parse/config lib/addr \
	lib/log lib/statefile lib/util)

# logs in, pushes and streams against a real LAPI (selftests/e2e/test_lapi_client.sh)
$(BUILD)/selftests/lapi_probe: $(BUILD)/selftests/lapi_probe.o $(call user_objs,fleet/lapi \
	fleet/alert fleet/decision fleet/pushq lib/statefile lib/addr lib/util)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) $(CURL_LIBS) -o $@

$(BUILD)/selftests/bench/bench_nft: $(BUILD)/selftests/bench/bench_nft.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/bench/bench_agent.o: $(BUILD)/bench_gen.skel.h

$(BUILD)/selftests/bench/bench_agent: $(BUILD)/selftests/bench/bench_agent.o $(BUILD)/user/agent/events.o \
		$(BUILD)/user/agent/flow_scan.o $(BUILD)/user/detect/dict.o $(BUILD)/user/detect/dict_tries.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/selftests/bench/bench_sendmmsg: $(BUILD)/selftests/bench/bench_sendmmsg.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@

$(BUILD)/selftests/bench/bench_packets: $(BUILD)/selftests/bench/bench_packets.o \
		$(BUILD)/selftests/pktgen.o $(BUILD)/selftests/test.o $(BUILD)/user/agent/loader.o \
		$(BUILD)/user/agent/blacklist_maps.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# 10 minutes (SOAK_SECONDS) of mixed traffic and attacks: RSS and CPU.
soak: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/selftests/bench/bench_sendmmsg
	$(Q)MW_BIN=$(BUILD) bash selftests/bench/soak.sh

# libFuzzer harnesses (selftests/fuzz/), one per parser of outside bytes;
# `make fuzz FUZZ_SECONDS=N` runs each for N seconds from the seed corpora.
# Each links only the parser it tests (and the helpers that parser needs),
# so that a parser that grows a dependency on another module shows here.
FUZZERS := config list dns tls ja4 stratum control ipfix login_reply name proc_net_tcp ntp_conf \
	cs_stream cgroup_path ct_state proxy http_rpc websocket
FUZZ_BINS := $(addprefix $(BUILD)/fuzz_,$(FUZZERS))
FUZZ_SECONDS ?= 60
FUZZ_OBJS_config := parse/config lib/addr lib/util
FUZZ_OBJS_list := parse/list parse/ja4 parse/name lib/addr
FUZZ_OBJS_dns := parse/dns parse/name lib/addr
FUZZ_OBJS_tls := parse/tls parse/name
FUZZ_OBJS_ja4 := parse/ja4
FUZZ_OBJS_stratum := parse/stratum
FUZZ_OBJS_control := lib/control
FUZZ_OBJS_ipfix := output/ipfix lib/addr lib/log
FUZZ_OBJS_login_reply := parse/login_reply
FUZZ_OBJS_name := parse/name
FUZZ_OBJS_proc_net_tcp := parse/proc_net_tcp lib/addr
FUZZ_OBJS_ntp_conf := parse/ntp_conf
FUZZ_OBJS_cgroup_path := parse/cgroup_path
FUZZ_OBJS_ct_state := lib/container parse/cgroup_path lib/log lib/util
FUZZ_OBJS_cs_stream := fleet/decision lib/addr lib/util
FUZZ_OBJS_proxy := parse/proxy
FUZZ_OBJS_http_rpc := parse/http_rpc parse/stratum
FUZZ_OBJS_websocket := parse/websocket parse/stratum

.SECONDEXPANSION:
$(BUILD)/fuzz_%: $(BUILD)/selftests/fuzz/fuzz_%.o $$(call user_objs,$$(FUZZ_OBJS_$$*))
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

# the builds that `make run` and `make test` start use every core
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

# Builds and runs the agent in the foreground on the default-route interface.
run: deps-run
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all
	./$(BUILD)/minewalld $(RUN_ARGS)

test: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) SAN=1 all $(subst $(BUILD_ROOT)/,$(BUILD_ROOT)/san/,$(TEST_PROGS))
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) FUZZ=1 fuzzers
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all # the agent under valgrind (test_robust)
	$(Q)MW_FUZZ_BIN=$(BUILD_ROOT)/fuzz MW_PLAIN_BIN=$(BUILD_ROOT) bash selftests/run.sh $(BUILD_ROOT)/san

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/selftests/bench/bench_packets $(BUILD)/selftests/bench/bench_nft \
		$(BUILD)/selftests/bench/bench_agent $(BUILD)/selftests/bench/bench_sendmmsg
	$(Q)bash selftests/bench/bench.sh $(BUILD)

SHELL_SCRIPTS := $(wildcard scripts/*.sh selftests/*.sh selftests/bench/*.sh selftests/e2e/*.sh selftests/fuzz/*.sh .ci/run)
C_SRCS := $(wildcard user/*.c user/*/*.c include/*.h bpf/*.c bpf/*.h selftests/*.c selftests/*.h selftests/bench/*.c \
	selftests/fuzz/*.c user/*.h user/*/*.h)

# clang-tidy: the analyzer and bugprone checks, less those that flag idioms
# of C itself (memcpy, snprintf) or are known false positives on clang 14 (va_list)
TIDY_CHECKS := -*,clang-analyzer-*,bugprone-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-valist.Uninitialized,-clang-analyzer-unix.Malloc,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition,-bugprone-suspicious-string-compare,-bugprone-implicit-widening-of-multiplication-result

# clang-tidy compiles user/*.c, and some include the BPF skeleton: it is
# generated first (clang and bpftool, no link of anything).
lint: deps-lint
	$(Q)$(MAKE) --no-print-directory $(SKEL) $(BUILD)/doh_list.h
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
	$(DATADIR)/minewall-teardown.nft $(DATADIR)/doh.list /etc/minewall/minewall.conf.example

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
	install -D -m 0644 etc/doh.list $(DESTDIR)$(DATADIR)/doh.list
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
