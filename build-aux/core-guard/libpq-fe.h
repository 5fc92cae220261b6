/* The same guard as build-aux/core-guard/postgres.h, for libpq-fe.h. */
#error "src/core must not include PostgreSQL headers (libpq-fe.h): move that code to src/pg or src/api"
