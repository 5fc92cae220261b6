# Kobatela — a PostgreSQL extension in C++ (PGXS).
#
#   make demo    set everything up, install, start a local cluster and tell the story
#   make test    every test: -Werror build, C++ unit tests, pg_regress, pgTAP, isolation
#
# `make`, `make install` and the Debian package compile with warnings shown but never fatal, so a
# newer compiler cannot break an install; the developers' build (`make test`, or any target with
# KOBATELA_WERROR=1) makes them errors. PostgreSQL 15, 16 and 17 (src/pg/compat.hpp); another
# installation: make PG_CONFIG=/path/to/pg_config. test/probes/ (the error barrier's probe) is
# built and installed only by `make probes install-probes`, which make test runs.
#
# Both install missing Debian packages first (scripts/ensure_deps.sh), so they work on a fresh
# Debian 12 machine as root.
#
#   make package-test   build the Debian package (also installing debhelper and pg_buildext),
#                       install it, use it in its own cluster, purge it, restore `make install`
#                       (test/ops/zz_package.sh, also run by make test; see docs/packaging.md)

EXTENSION   = kobatela
EXTVERSION  = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)
# PostgreSQL 15's pg_config when installed (Debian's /usr/bin/pg_config follows the newest server-dev).
PG_CONFIG  ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
export PG_CONFIG

MODULE_big  = kobatela
OBJS        = $(patsubst %.cpp,%.o,$(sort $(wildcard src/*.cpp src/*/*.cpp)))

# The install script is the concatenation of sql/, in dependency order.
SQL_PARTS   = sql/types.sql sql/functions_base.sql sql/tables_identity.sql sql/tables_escrow.sql \
              sql/tables_spend.sql sql/tables_currencies.sql sql/tables_events.sql sql/dump_config.sql sql/functions_users.sql sql/functions_ops.sql \
              sql/functions_auth.sql sql/functions_escrow.sql \
              sql/functions_proofs.sql sql/functions_psp.sql sql/functions_spend.sql sql/functions_currencies.sql sql/functions_events.sql sql/ledger.sql sql/audit.sql sql/security.sql
DATA_built  = build/$(EXTENSION)--$(EXTVERSION).sql
# Earlier versions' install scripts (frozen) and the upgrade scripts between versions.
DATA        = $(sort $(wildcard sql/versions/$(EXTENSION)--*.sql))
EXTRA_CLEAN = build $(OBJS:.o=.d) test/results test/regression.* test/isolation/output_iso test/isolation/results \
              test/isolation/regression.*

# pg_regress: test/sql/*.sql against expected/*.out; isolation: test/isolation/specs/*.spec against
# expected/isolation/*.out (test/expected and test/isolation/expected link there: 15's pg_regress has
# no --expecteddir).
REGRESS        = $(sort $(basename $(notdir $(wildcard test/sql/*.sql))))
REGRESS_OPTS   = --inputdir=test --outputdir=test --load-extension=kobatela
ISOLATION      = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=test/isolation --load-extension=kobatela

# libpq (src/pg/remote_session.cpp reaches pg_cron's database) sits in the client include dir.
PG_CPPFLAGS = -Isrc -I$(shell $(PG_CONFIG) --includedir 2>/dev/null) -DKOBATELA_VERSION='"$(EXTVERSION)"'
# -MMD -MP: each object also records the headers it includes (src/**/*.d), so changing a
# header rebuilds what depends on it (PGXS alone does not track C++ headers).
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-register -Wno-unused-parameter \
              -Wno-missing-field-initializers -fno-omit-frame-pointer -MMD -MP
# Warnings are errors only in the developers' build (scripts/run_tests.sh exports it).
ifeq ($(KOBATELA_WERROR),1)
PG_CXXFLAGS += -Werror
endif
SHLIB_LINK  = -lcrypto -lpq -licuuc -lstdc++

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
# PGXS would also compile every .cpp to LLVM bitcode with clang-14 and without PG_CXXFLAGS
# (so as gnu++14), which breaks on C++17. Kobatela's functions are not JIT-inlined; off on purpose.
override with_llvm = no
include $(PGXS)
else
all install installcheck:
	@echo "pg_config not found: run 'make test' or 'make demo' (they install the build packages)," \
	      "or install postgresql-server-dev-15." >&2; exit 1
endif

# The PostgreSQL majors src/pg/compat.hpp knows. Checked for every goal that builds or installs
# (not for deps, test, demo... which install pg_config first and re-enter make).
KOBATELA_PG_MAJORS   = 15 16 17
KOBATELA_NO_PG_GOALS = clean distclean deps test unit demo demo-stop bench bench-audit bench-ceilings bench-scale bench-verify package-test
ifneq ($(PGXS),)
ifneq ($(filter-out $(KOBATELA_NO_PG_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(filter $(MAJORVERSION),$(KOBATELA_PG_MAJORS)),)
$(error $(PG_CONFIG) is PostgreSQL $(VERSION): Kobatela builds against PostgreSQL $(KOBATELA_PG_MAJORS) \
        only. Pass another one with make PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config (README.md, \
        Supported PostgreSQL versions))
endif
endif
endif

# src/core is pure C++ (unit-tested without PostgreSQL): its objects compile without PostgreSQL's
# include directories, and with build-aux/core-guard first on the path, whose postgres.h and
# libpq-fe.h stop the build with an #error naming the rule. (_FORTIFY_SOURCE & co. are kept.)
src/core/%.o: override CPPFLAGS := -Ibuild-aux/core-guard -Isrc $(filter-out -I%,$(CPPFLAGS))

# Objects depend on the compiler's command line, so that changing it (KOBATELA_WERROR, another
# PG_CONFIG) rebuilds them: a `make` without -Werror followed by `make test` must not reuse
# objects that were never compiled with -Werror.
# (Not rewritten by a dry run, make -n.)
KOBATELA_COMPILE := $(CXX) $(CXXFLAGS) $(CPPFLAGS)
ifeq ($(findstring n,$(firstword -$(MAKEFLAGS))),)
ifneq ($(KOBATELA_COMPILE),$(file <build/compile-flags))
$(shell mkdir -p build)
$(file >build/compile-flags,$(KOBATELA_COMPILE))
endif
endif
build/compile-flags:
	$(shell mkdir -p build)$(file >$@,$(KOBATELA_COMPILE))

# ---- test-only probes ---------------------------------------------------------------------------
# koba_test_probes.so: SQL-callable probes that only tests declare (test/sql/bridge.sql), kept out
# of kobatela.so and of `make install` and the package. It links its own copy of the bridge
# (src/pg) and core, bound to itself (-Bsymbolic) whatever else the backend has loaded. Its name
# does not start with "kobatela", so the package test's "no kobatela* file left" holds with it
# installed.
PROBES_SO   = test/probes/koba_test_probes$(DLSUFFIX)
PROBES_OBJS = $(patsubst %.cpp,%.o,$(sort $(wildcard test/probes/*.cpp)))
PROBES_LINK = $(PROBES_OBJS) $(filter src/core/%.o,$(OBJS)) src/pg/guard.o src/pg/args.o src/pg/datum.o src/pg/spi.o src/pg/subtransaction.o
EXTRA_CLEAN += $(PROBES_SO) $(PROBES_OBJS) $(PROBES_OBJS:.o=.d)

.PHONY: probes install-probes uninstall-probes
probes: $(PROBES_SO)

# A Kobatela symbol left undefined would resolve to kobatela.so's copy (loaded RTLD_GLOBAL) instead
# of failing: the link checks that it has its own copy of everything it calls.
$(PROBES_SO): $(PROBES_LINK)
	$(CXX) $(CXXFLAGS) -shared -Wl,-Bsymbolic -o $@ $^ $(LDFLAGS) $(LDFLAGS_SL) $(SHLIB_LINK)
	@if nm -C -u $@ | grep 'koba::'; then echo "$@: links no copy of the symbols above (PROBES_LINK)" >&2; rm -f $@; exit 1; fi

install-probes: $(PROBES_SO)
	$(MKDIR_P) '$(DESTDIR)$(pkglibdir)'
	$(INSTALL_SHLIB) $< '$(DESTDIR)$(pkglibdir)/'

uninstall-probes:
	rm -f '$(DESTDIR)$(pkglibdir)/$(notdir $(PROBES_SO))'

$(OBJS) $(PROBES_OBJS): build/compile-flags

-include $(OBJS:.o=.d) $(PROBES_OBJS:.o=.d)

# The library knows its version (KOBATELA_VERSION, from kobatela.control).
src/context/readiness.o: $(EXTENSION).control

$(DATA_built): $(SQL_PARTS) $(EXTENSION).control
	@mkdir -p build
	cat $(SQL_PARTS) > $@

.PHONY: deps test unit demo demo-stop bench bench-audit bench-ceilings bench-scale bench-verify package-test
deps:
	@scripts/ensure_deps.sh

# Each step re-enters make, so that a pg_config installed by deps is picked up.
test: deps
	@scripts/run_tests.sh

unit:
	$(MAKE) -C test/unit run

package-test: deps
	@bash test/ops/zz_package.sh

demo: deps
	@scripts/demo.sh start

demo-stop:
	@scripts/demo.sh stop

bench: deps
	@bench/run.sh

bench-audit: deps
	@bench/audit.sh

# How far the targets of issues 3 and 5 are from PostgreSQL's own costs (docs/performance.md).
bench-ceilings: deps
	@bench/ceilings.sh

# The cost per call as payments and the audit log grow (BENCH_SCALE="10000 100000 1000000"; also
# make bench BENCH_SCALE=...), and verify_audit_chain() against raw SHA-256 (BENCH_VERIFY_ROWS).
bench-scale: deps
	@BENCH_SCALE="$${BENCH_SCALE:-10000 100000 1000000}" bench/scale.sh

bench-verify: deps
	@bench/verify_chain.sh
