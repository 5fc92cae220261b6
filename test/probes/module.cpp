// koba_test_probes.so: the test-only probes (Makefile, "test-only probes"). Its own library, so
// its own magic block; no _PG_init: nothing to set up, and no entry gate (context/readiness), since it
// links the bridge but not the API.
#include "pg/postgres.hpp"

extern "C" {
PG_MODULE_MAGIC;
}
