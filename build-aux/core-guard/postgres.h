/* First on the include path of src/core only (Makefile, test/unit/Makefile), where PostgreSQL's
 * include directories are not: src/core is pure C++, unit-tested without PostgreSQL. Code that
 * needs PostgreSQL belongs in src/pg or src/api (docs/architecture.md). */
#error "src/core must not include PostgreSQL headers (postgres.h): move that code to src/pg or src/api"
