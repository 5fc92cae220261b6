# Kobatela — a PostgreSQL extension in C++ (PGXS).
#
#   make demo    set everything up, install, start a local cluster and tell the story
#   make test    every test: -Werror build, C++ unit tests, pg_regress, pgTAP, isolation
#   make installcheck   pg_regress and isolation against a running server set up as the README says
#   make dist    dist/kobatela-VERSION.zip, the source distribution for PGXN (git archive of HEAD)
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
              sql/functions_proofs.sql sql/functions_psp.sql sql/functions_spend.sql sql/functions_currencies.sql sql/functions_lists.sql sql/functions_events.sql sql/ledger.sql sql/audit.sql sql/security.sql
DATA_built  = build/$(EXTENSION)--$(EXTVERSION).sql
# Earlier versions' install scripts (frozen) and the upgrade scripts between versions.
DATA        = $(sort $(wildcard sql/versions/$(EXTENSION)--*.sql))
EXTRA_CLEAN = build $(OBJS:.o=.d) test/results test/regression.* test/isolation/output_iso test/isolation/results \
              test/isolation/regression.* test/dev

# pg_regress: test/sql/*.sql against expected/*.out; isolation: test/isolation/specs/*.spec against
# expected/isolation/*.out (test/expected and test/isolation/expected link there: 15's pg_regress has
# no --expecteddir).
#
# `make installcheck` runs against any server set up as the README says (make install;
# shared_preload_libraries = 'pg_cron,kobatela'; restart). REGRESS_DEV are the tests that need what
# only make test's server has: the test-only probes library (bridge: make install-probes) and
# prepared transactions (prepared_transactions: max_prepared_transactions > 0, which
# scripts/cluster.sh sets). `make installcheck-dev` runs them, after 00_setup whose helpers they use;
# make test runs both targets, so every file of test/sql runs there.
REGRESS_DEV    = bridge prepared_transactions
REGRESS        = $(filter-out $(REGRESS_DEV),$(sort $(basename $(notdir $(wildcard test/sql/*.sql)))))
# Where pg_regress writes results/ and regression.diffs (test/ops/installcheck_readme.sh: elsewhere).
REGRESS_OUTPUTDIR   ?= test
ISOLATION_OUTPUTDIR ?= test/isolation
REGRESS_OPTS   = --inputdir=test --outputdir=$(REGRESS_OUTPUTDIR) --load-extension=kobatela
ISOLATION      = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=$(ISOLATION_OUTPUTDIR) --load-extension=kobatela

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
all install installcheck installcheck-dev:
	@echo "pg_config not found: run 'make test' or 'make demo' (they install the build packages)," \
	      "or install postgresql-server-dev-15." >&2; exit 1
endif

# The PostgreSQL majors src/pg/compat.hpp knows. Checked for every goal that builds or installs
# (not for deps, test, demo... which install pg_config first and re-enter make).
KOBATELA_PG_MAJORS   = 15 16 17
KOBATELA_NO_PG_GOALS = clean distclean dist deps test unit demo demo-stop bench bench-audit bench-ceilings bench-scale bench-verify bench-lists package-test
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

# ---- tests that need make test's server ---------------------------------------------------------
# REGRESS_DEV (above): the probes installed and max_prepared_transactions > 0. Its own output
# directory, so that its regression.diffs does not replace installcheck's.
.PHONY: installcheck-dev
ifneq ($(PGXS),)
installcheck-dev:
	$(pg_regress_installcheck) --inputdir=test --outputdir=$(REGRESS_OUTPUTDIR)/dev --load-extension=kobatela \
	    00_setup $(REGRESS_DEV)
endif

-include $(OBJS:.o=.d) $(PROBES_OBJS:.o=.d)

# The library knows its version (KOBATELA_VERSION, from kobatela.control).
src/context/readiness.o: $(EXTENSION).control

$(DATA_built): $(SQL_PARTS) $(EXTENSION).control
	@mkdir -p build
	cat $(SQL_PARTS) > $@

.PHONY: deps test unit demo demo-stop bench bench-audit bench-ceilings bench-scale bench-verify bench-lists package-test dist

# The PGXN source distribution: dist/kobatela-VERSION.zip, the committed tree (HEAD) under a top
# directory kobatela-VERSION/, made by git archive; .gitattributes marks what stays out
# (export-ignore). Refused when META.json's version is not kobatela.control's.
dist:
	@meta=$$(python3 -c 'import json; print(json.load(open("META.json"))["version"])') && \
	  if [ "$$meta" != "$(EXTVERSION)" ]; then \
	    echo "META.json says version $$meta, kobatela.control $(EXTVERSION): make them agree first" >&2; exit 1; fi
	@mkdir -p dist
	git archive --format zip --prefix $(EXTENSION)-$(EXTVERSION)/ -o dist/$(EXTENSION)-$(EXTVERSION).zip HEAD
	@echo "dist/$(EXTENSION)-$(EXTVERSION).zip"
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

# The cost of a list's page at 10 000 and 1 000 000 rows, and an escrow's timeline whole or paged
# (bench/lists_scale.sh; BENCH_LISTS_SMALL, BENCH_LISTS_LARGE).
bench-lists: deps
	@bench/lists_scale.sh
