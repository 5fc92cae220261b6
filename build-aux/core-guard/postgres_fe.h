/* The same guard as build-aux/core-guard/postgres.h, for postgres_fe.h. */
#error "src/core must not include PostgreSQL headers (postgres_fe.h): move that code to src/pg or src/api"
