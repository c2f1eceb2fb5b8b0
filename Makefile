# SPDX-License-Identifier: Apache-2.0
# mod_clinic: `make run` for a local server, `make test` for everything.
#
#   make            build mod_clinic.so (apxs, -Wall -Wextra -Werror)
#   make run        dev server on http://127.0.0.1:8080 (SQLite, log SMS driver)
#   make test       unit tests, then integration tests on MariaDB and SQLite
#   make install    apxs -i, conf/clinic.{load,conf} for a2enmod, clinicctl
#   make deps       install the Debian packages that are missing
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60)
#   make fuzz-http  HTTP_FUZZ (default 100000) random requests at a live httpd
#   make valgrind   the integration suite against httpd -X under memcheck
#   make asan       the integration suite against an ASan/UBSan build
#   make bench      wrk: the API against a static file, in one run (bench/)
#   make bench-callgrind  instructions per request of each route
#   make bench-graceful   max latency, module against static, with a
#                   graceful restart every 3 s
#   make bench-growth     the profile at 1,000,000 users, send-otp after
#                   100,000 logins
#   make fresh-machine   tests/fresh-machine.sh: the two commands in a new
#                   Debian 12 root (slow, by hand)
#   make scale-test two hosts on a 3-node Galera cluster behind a balancer,
#                   a node killed under load (tests/scale/run.sh; by hand)
#   make dist       build/mod_clinic-VERSION.tar.gz of the committed sources
#   make package    build/libapache2-mod-clinic_VERSION-REV_ARCH.deb (debian/)
#   make package-test    tests/package.sh: that .deb through lintian, then
#                   installed and used in a new Debian 12 root (by hand)
#
# Every entry point first installs what is missing (deps), then builds in a
# second make: that one computes its flags (pkg-config, apr-1-config) only
# now that the tools and libraries exist.

.DEFAULT_GOAL := all
include apxs.mk

CC        ?= cc
BUILD     := build
PKGS      := apache2 apache2-dev libaprutil1-dbd-mysql libaprutil1-dbd-sqlite3 \
             libcjson-dev libssl-dev libcurl4-openssl-dev libcriterion-dev \
             mariadb-server sqlite3 pkg-config curl fail2ban clang libclang-rt-dev \
             nodejs prometheus
APR_CFLAGS = $(shell apr-1-config --includes --cppflags 2>/dev/null)
APR_LIBS   = $(shell apr-1-config --link-ld 2>/dev/null)

# The layers, named once (docs/architecture.md):
#   core/     libclinic.a: the store, the HTTP client, the drivers, the
#             parsers; on APR, apr_dbd, cJSON, OpenSSL and curl, never an
#             httpd header (its objects are compiled without httpd's
#             include path, so one that slips in stops the build)
#   modules/  the httpd glue: hooks, handlers, answers, mod_dbd, the logs
#   ctl/      clinicctl, on the core alone
# libclinic.a is built once and linked by the module, the unit tests and
# clinicctl; the fuzzers link its sanitized twin, libclinic-fuzz.a.
APU_CFLAGS = $(shell apu-1-config --includes 2>/dev/null)
APU_LIBS   = $(shell apu-1-config --link-ld 2>/dev/null)
CORE_SRCS  := $(sort $(wildcard core/*.c))
CORE_HDRS  := $(wildcard core/*.h)
CORE_CFLAGS = -std=gnu11 -O2 -g $(WARN) -Icore $(APR_CFLAGS) $(APU_CFLAGS) \
              $(DEPS_CFLAGS) $(EXTRA_CFLAGS) -fPIC
$(BUILD)/core/%.o: core/%.c $(CORE_HDRS) $(BUILD)/flags
	@mkdir -p $(BUILD)/core
	$(CC) $(CORE_CFLAGS) -c -o $@ $<
CORE_OBJS  := $(patsubst core/%.c,$(BUILD)/core/%.o,$(CORE_SRCS))
$(BUILD)/libclinic.a: $(CORE_OBJS)
	rm -f $@ && ar rcs $@ $^

UNIT_TESTS := $(sort $(wildcard tests/unit/*.c))
TEST_CFLAGS = -std=gnu11 -g -O1 $(WARN) -Icore $(APR_CFLAGS) $(APU_CFLAGS) $(DEPS_CFLAGS) \
              '-DCLINIC_SCHEMA_DIR="$(CURDIR)/schema"'

# libFuzzer targets of the pure parts, with ASan and UBSan
FUZZ_NAMES   := body phone text jwt smstpl time ipkey paysig device lang wa
FUZZ_BINS    := $(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES))
FUZZ_SECONDS ?= 60
FUZZ_SAN    := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -std=gnu11 -g -O1 $(WARN) $(FUZZ_SAN) -Icore $(APR_CFLAGS) \
              $(APU_CFLAGS) $(DEPS_CFLAGS)

ENTRY := all unit test run install fuzz fuzz-http valgrind asan bench \
         bench-callgrind bench-growth bench-graceful scale-test clinicctl
$(ENTRY): deps
	@$(MAKE) --no-print-directory _$@

deps:
	@$(MAKE) --no-print-directory install-missing INSTALL_PKGS="$(PKGS)"

install-missing:
	@missing=""; for p in $(INSTALL_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

$(BUILD):
	mkdir -p $@

$(BUILD)/unit_tests: $(UNIT_TESTS) $(wildcard tests/unit/*.h) $(BUILD)/libclinic.a $(BUILD)/flags
	$(CC) $(TEST_CFLAGS) -o $@ $(UNIT_TESTS) $(BUILD)/libclinic.a \
	    $(APU_LIBS) $(APR_LIBS) $(DEPS_LIBS) -lcriterion -lpthread

$(BUILD)/integration_tests: $(wildcard tests/integration/*.c tests/integration/*.h) $(BUILD)/flags
	$(CC) $(TEST_CFLAGS) -o $@ $(filter %.c,$^) $(DEPS_LIBS) -lcriterion -lpthread

# the core once more, instrumented for the fuzzers (-fsanitize=fuzzer-no-link:
# coverage without a second main)
$(BUILD)/fuzz/core/%.o: core/%.c $(CORE_HDRS) $(BUILD)/flags
	@mkdir -p $(BUILD)/fuzz/core
	clang -std=gnu11 -g -O1 $(WARN) -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-sanitize-recover=undefined -Icore $(APR_CFLAGS) $(APU_CFLAGS) \
	    $(DEPS_CFLAGS) -c -o $@ $<
$(BUILD)/libclinic-fuzz.a: $(patsubst core/%.c,$(BUILD)/fuzz/core/%.o,$(CORE_SRCS))
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(BUILD)/libclinic-fuzz.a $(BUILD)/flags
	@mkdir -p $(BUILD)/fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(BUILD)/libclinic-fuzz.a $(APU_LIBS) \
	    $(APR_LIBS) $(DEPS_LIBS)

$(BUILD)/http_fuzz: tests/fuzz/http_fuzz.c $(BUILD)/flags
	$(CC) -std=gnu11 -O1 $(WARN) $(DEPS_CFLAGS) -o $@ $< $(DEPS_LIBS)

# the scale test's suites, on the integration tests' client
SCALE_SRCS := $(wildcard tests/scale/*.c) tests/integration/client.c \
              tests/integration/load.c
$(BUILD)/scale_tests: $(SCALE_SRCS) tests/integration/client.h $(BUILD)/flags
	$(CC) $(TEST_CFLAGS) -Itests/integration -o $@ $(SCALE_SRCS) $(DEPS_LIBS) \
	    -lcriterion -lpthread

# clinicctl (ctl/, docs/clinicctl.8): the core's store on apr_dbd, no
# httpd.  CLINICCTL_SCHEMA_DIR is where `migrate` looks by default (the
# package's); EXTRA_CFLAGS / EXTRA_LDFLAGS as for the module.
CLINICCTL_SCHEMA_DIR ?= /usr/share/libapache2-mod-clinic/schema
CTL_SRCS := $(sort $(wildcard ctl/*.c))
$(BUILD)/clinicctl: $(CTL_SRCS) $(wildcard ctl/*.h) $(BUILD)/libclinic.a $(BUILD)/flags
	$(CC) -std=gnu11 -O2 -g $(WARN) -Icore \
	    $(APR_CFLAGS) $(APU_CFLAGS) $(DEPS_CFLAGS) $(EXTRA_CFLAGS) \
	    '-DCLINICCTL_SCHEMA_DIR="$(CLINICCTL_SCHEMA_DIR)"' -o $@ $(CTL_SRCS) \
	    $(BUILD)/libclinic.a $(EXTRA_LDFLAGS) $(APU_LIBS) $(APR_LIBS) $(DEPS_LIBS)

_clinicctl: $(BUILD)/clinicctl

$(BUILD)/fake_sms: tests/fake_sms/fake_sms.c tests/fake_sms/records.c \
                  tests/fake_sms/records.h | $(BUILD)
	$(CC) -std=gnu11 -O1 $(WARN) -o $@ $(filter %.c,$^) -lpthread

_all: mod_clinic.so

_unit: mod_clinic.so $(BUILD)/unit_tests
	$(BUILD)/unit_tests

_test: mod_clinic.so $(BUILD)/unit_tests $(BUILD)/integration_tests $(BUILD)/fake_sms \
       $(BUILD)/http_fuzz $(BUILD)/clinicctl $(FUZZ_BINS)
	$(BUILD)/unit_tests
	tests/fuzz/run.sh 10
	tests/check-fail2ban.sh
	tests/check-directives.sh
	tests/check-openapi.sh
	tests/check-version.sh
	tests/check-prometheus.sh
	tests/check-log-tags.sh
	OBJS="$(CORE_OBJS) .libs/mod_clinic.o $(patsubst modules/%.c,modules/.libs/%.o,$(wildcard modules/*.c))" \
	    tests/check-layers.sh
	tests/run-integration.sh

_fuzz: $(FUZZ_BINS)
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# the request fuzzer alone, long: HTTP_FUZZ requests against MariaDB
HTTP_FUZZ ?= 100000
_fuzz-http: mod_clinic.so $(BUILD)/fake_sms $(BUILD)/http_fuzz
	CLINIC_HTTP_FUZZ=$(HTTP_FUZZ) CLINIC_FUZZ_ONLY=1 tests/run-integration.sh mysql

# the integration suite against httpd -X under memcheck: 0 errors and 0
# bytes definitely lost, or it fails (tests of timing and of several
# children fail there and are not counted)
_valgrind: mod_clinic.so $(BUILD)/integration_tests $(BUILD)/fake_sms $(BUILD)/http_fuzz
	@command -v valgrind >/dev/null || { apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind; }
	CLINIC_VALGRIND=1 CLINIC_SKIP_BROWSER=1 CLINIC_HTTP_FUZZ=300 tests/run-integration.sh

# the module built with AddressSanitizer and UBSan, the integration suite
# and the request fuzzer against it: no sanitizer report, or it fails
ASAN_SO := $(BUILD)/asan/mod_clinic.so
# (the core compiled in, instrumented too)
$(ASAN_SO): $(MODULE_SRCS) $(MODULE_HDRS) $(CORE_SRCS) $(CORE_HDRS) $(BUILD)/flags
	@mkdir -p $(BUILD)/asan
	$(CC) -shared -fPIC -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	    -std=gnu11 $(WARN) -Imodules -Icore -I$(shell $(APXS) -q INCLUDEDIR) $(APR_CFLAGS) \
	    $(DEPS_CFLAGS) -o $@ $(MODULE_SRCS) $(CORE_SRCS) $(DEPS_LIBS)

_asan: $(ASAN_SO) $(BUILD)/integration_tests $(BUILD)/fake_sms $(BUILD)/http_fuzz
	CLINIC_ASAN=1 CLINIC_MODULE=$(abspath $(ASAN_SO)) CLINIC_SKIP_BROWSER=1 \
	    tests/run-integration.sh

_run: mod_clinic.so $(BUILD)/clinicctl
	conf/run-dev.sh

# speed, by hand (bench/README.md): wrk against the module and a static
# file in one run
_bench: mod_clinic.so $(BUILD)/fake_sms $(BUILD)/clinicctl
	bench/run.sh

# gracefuls every 3 s under load: max latency, module against static
_bench-graceful: mod_clinic.so $(BUILD)/fake_sms $(BUILD)/clinicctl
	BENCH_GRACEFUL=1 bench/run.sh

# 1,000 -> 1,000,000 users, and 100,000 logins' leftovers (bench/)
_bench-growth: mod_clinic.so $(BUILD)/fake_sms $(BUILD)/clinicctl
	BENCH_GROWTH=1 BENCH_USERS=1000 bench/run.sh

# instructions per request of each route, httpd -X under callgrind
_bench-callgrind: mod_clinic.so $(BUILD)/fake_sms $(BUILD)/clinicctl
	BENCH_CALLGRIND=1 BENCH_SECONDS=$${BENCH_SECONDS:-10} bench/run.sh

# two hosts on a Galera cluster (tests/scale/run.sh), with what only it
# needs: the cluster's provider, SST by rsync, the balancer, memcached
SCALE_PKGS := galera-4 rsync haproxy memcached
_scale-test: mod_clinic.so $(BUILD)/fake_sms $(BUILD)/scale_tests $(BUILD)/clinicctl
	@$(MAKE) --no-print-directory install-missing INSTALL_PKGS="$(SCALE_PKGS)"
	tests/scale/run.sh

# the source tarball of what is committed (HEAD), named by the version
# core/version.h holds
VERSION = $(shell sed -n 's/^\#define CLINIC_VERSION "\(.*\)"$$/\1/p' core/version.h)
dist: | $(BUILD)
	tests/check-version.sh
	git archive --format=tar.gz --prefix=mod_clinic-$(VERSION)/ \
	    -o $(BUILD)/mod_clinic-$(VERSION).tar.gz HEAD
	@echo "$(BUILD)/mod_clinic-$(VERSION).tar.gz"

# from the sources, where the package would put the same files (the
# schema where clinicctl looks by default), clinicctl in /usr/local
_install: mod_clinic.so $(BUILD)/clinicctl
	$(APXS) -i -n clinic mod_clinic.la
	install -m 644 conf/clinic.load /etc/apache2/mods-available/clinic.load
	install -m 644 conf/clinic.conf /etc/apache2/mods-available/clinic.conf
	install -m 644 conf/clinic-cors.conf /etc/apache2/conf-available/clinic-cors.conf
	install -d /usr/share/doc/mod_clinic
	install -m 644 conf/clinic-vhost.conf /usr/share/doc/mod_clinic/clinic-vhost.conf.example
	install -D -m 644 conf/prometheus/clinic-alerts.yml /usr/share/libapache2-mod-clinic/prometheus/clinic-alerts.yml
	install -D -m 644 conf/grafana/clinic-dashboard.json /usr/share/libapache2-mod-clinic/grafana/clinic-dashboard.json
	install -d $(CLINICCTL_SCHEMA_DIR)/migrations
	install -m 644 schema/mysql.sql schema/sqlite.sql $(CLINICCTL_SCHEMA_DIR)/
	install -m 644 schema/migrations/*.sql $(CLINICCTL_SCHEMA_DIR)/migrations/
	install -D -m 755 $(BUILD)/clinicctl /usr/local/sbin/clinicctl
	install -D -m 644 docs/clinicctl.8 /usr/local/share/man/man8/clinicctl.8

fresh-machine:
	tests/fresh-machine.sh

# the Debian package, built from a copy of the sources in build/deb (never
# this tree: its clean step would remove the build)
package:
	tests/package.sh build

package-test:
	tests/package.sh

clean: apxs-clean
	rm -rf $(BUILD)

.PHONY: $(ENTRY) $(addprefix _,$(ENTRY)) deps install-missing clean fresh-machine dist \
        package package-test
