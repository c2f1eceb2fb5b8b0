# apxs.mk: build rules for mod_clinic.so with apxs.
#
# The module is mod_clinic.c plus every modules/*.c.  Pure parts are also
# compiled on their own for the unit tests (see UNIT_SRCS in Makefile).

APXS      ?= apxs
WARN      := -Wall -Wextra -Werror
DEPS_CFLAGS := $(shell pkg-config --cflags libcjson libcurl openssl 2>/dev/null)
DEPS_LIBS   := $(shell pkg-config --libs libcjson libcurl openssl 2>/dev/null)

MODULE_SRCS := mod_clinic.c $(sort $(wildcard modules/*.c))
MODULE_HDRS := $(wildcard modules/*.h)

# apxs passes -Wc,... to the compiler and -Wl,... / -l to the linker.
APXS_CFLAGS := $(foreach f,$(WARN) -std=gnu11 -Imodules $(DEPS_CFLAGS),-Wc,$(f))
APXS_LIBS   := $(DEPS_LIBS)

.libs/mod_clinic.so: $(MODULE_SRCS) $(MODULE_HDRS) apxs.mk
	@echo "  APXS   mod_clinic.la"
	@mkdir -p build
	@$(APXS) -c -o mod_clinic.la $(APXS_CFLAGS) $(MODULE_SRCS) $(APXS_LIBS) \
	    > build/apxs.log 2>&1 || { cat build/apxs.log; exit 1; }

mod_clinic.so: .libs/mod_clinic.so
	cp .libs/mod_clinic.so $@

apxs-install: mod_clinic.so
	$(APXS) -i -n clinic mod_clinic.la

apxs-clean:
	rm -rf .libs mod_clinic.la mod_clinic.so mod_clinic.lo mod_clinic.slo \
	       modules/*.lo modules/*.slo modules/*.o modules/.libs *.o

.PHONY: apxs-install apxs-clean
