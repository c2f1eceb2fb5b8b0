# SPDX-License-Identifier: Apache-2.0
# apxs.mk: build rules for mod_clinic.so with apxs.
#
# The module is mod_clinic.c plus every modules/*.c (the httpd glue),
# linked with build/libclinic.a, the core (core/, built by the Makefile
# once for the module, the unit tests and clinicctl).
#
# The library flags come from pkg-config.  They are recorded in
# build/flags, which the link depends on: a change of flags (for example
# the first build after `make deps` installed libcjson-dev) relinks the
# module, and a build whose pkg-config found nothing stops instead of
# leaving a module linked without its libraries.

APXS      ?= apxs
WARN      := -Wall -Wextra -Werror
DEPS_PKGS := libcjson libcurl openssl
DEPS_CFLAGS = $(shell pkg-config --cflags $(DEPS_PKGS) 2>/dev/null)
DEPS_LIBS   = $(shell pkg-config --libs $(DEPS_PKGS) 2>/dev/null)

MODULE_SRCS := mod_clinic.c $(sort $(wildcard modules/*.c))
MODULE_HDRS := $(wildcard modules/*.h core/*.h)

# apxs passes -Wc,... to the compiler and -Wl,... / -l to the linker; what
# follows the sources (APXS_LIBS) goes to libtool's link as it is.
# EXTRA_CFLAGS / EXTRA_LDFLAGS (empty unless given) add flags of the
# caller's: the Debian build passes dpkg-buildflags' hardening this way.
EXTRA_CFLAGS  ?=
EXTRA_LDFLAGS ?=
APXS_CFLAGS = $(foreach f,$(WARN) -std=gnu11 -Imodules -Icore $(DEPS_CFLAGS) $(EXTRA_CFLAGS),-Wc,$(f))
APXS_LIBS   = build/libclinic.a $(DEPS_LIBS) $(EXTRA_LDFLAGS)

build/flags: FORCE
	@mkdir -p build
	@pkg-config --exists $(DEPS_PKGS) && command -v $(APXS) >/dev/null \
	    || { echo "pkg-config does not know $(DEPS_PKGS), or $(APXS) is missing:" \
	              "run 'make deps' (make all/test/run do it first)" >&2; exit 1; }
	@echo '$(DEPS_CFLAGS) $(DEPS_LIBS) $(APR_CFLAGS) $(APR_LIBS)$(if $(EXTRA_CFLAGS)$(EXTRA_LDFLAGS), $(EXTRA_CFLAGS) $(EXTRA_LDFLAGS))' > build/flags.new
	@if cmp -s build/flags.new build/flags; then rm build/flags.new; \
	 else mv build/flags.new build/flags; fi

.libs/mod_clinic.so: $(MODULE_SRCS) $(MODULE_HDRS) build/libclinic.a apxs.mk build/flags
	@echo "  APXS   mod_clinic.la"
	@$(APXS) -c -o mod_clinic.la $(APXS_CFLAGS) $(MODULE_SRCS) $(APXS_LIBS) \
	    > build/apxs.log 2>&1 || { cat build/apxs.log; exit 1; }
	@# a module links with httpd's symbols unresolved: a missing function
	@# of our own would only show when httpd loads it
	@if nm -u $@ | grep -w 'clinic_[A-Za-z0-9_]*'; then \
	    echo "mod_clinic.so calls the functions above, defined nowhere" >&2; \
	    rm -f $@; exit 1; fi

mod_clinic.so: .libs/mod_clinic.so
	cp .libs/mod_clinic.so $@

apxs-install: mod_clinic.so
	$(APXS) -i -n clinic mod_clinic.la

apxs-clean:
	rm -rf .libs mod_clinic.la mod_clinic.so mod_clinic.lo mod_clinic.slo \
	       modules/*.lo modules/*.slo modules/*.o modules/.libs *.o

FORCE:

.PHONY: apxs-install apxs-clean FORCE
