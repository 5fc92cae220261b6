// The PostgreSQL API differences between the majors Kobatela builds against: 15 (tested), 16 and 17
// (built through this file, not tested here). Included by pg/postgres.hpp after PostgreSQL's own
// headers; the rest of the code calls the names below wherever a call differs between majors, and
// PostgreSQL directly everywhere else.
//
// Supporting a new major: read its release notes and `git diff REL_17_STABLE..REL_18_STABLE --
// src/include` for each PostgreSQL function Kobatela calls (nm -u src/**/*.o lists them), add a
// branch here, then raise the bounds below and KOBATELA_PG_MAJORS in the Makefile.
#pragma once

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 180000
#error "Kobatela builds against PostgreSQL 15, 16 and 17 only (README.md, Supported PostgreSQL versions)"
#endif

extern "C" {
#include "catalog/dependency.h"
#include "executor/executor.h"
#if PG_VERSION_NUM >= 160000
#include "varatt.h"  // 16 moved VARDATA, VARSIZE, SET_VARSIZE... out of postgres.h
#endif
#if PG_VERSION_NUM >= 170000
#include "storage/procnumber.h"  // 17 replaced backend ids (storage/backendid.h) with proc numbers
#else
#include "storage/backendid.h"
#endif
}

namespace koba::pg::compat {

// This backend's slot, unique among live backends and reused after one exits, numbered from 1.
// 15 and 16: MyBackendId (1..MaxBackends). 17 removed it for MyProcNumber, an index into the proc
// array counted from 0: + 1 keeps the numbering (the audit trail's lanes start at 1).
inline int32 backend_slot() {
#if PG_VERSION_NUM >= 170000
    return MyProcNumber + 1;
#else
    return MyBackendId;
#endif
}

}  // namespace koba::pg::compat
