-- Kobatela 0.2.0 → 0.3.0: a proof's sha256 is any digest of up to 128 characters, as spec.md's data
-- model says (0.2.0 took only 64 lower-case hex digits); a hex SHA-256 is still stored lower-case.
-- ALTER EXTENSION kobatela UPDATE runs this after 0.2.0. It must leave the database exactly as a
-- fresh CREATE EXTENSION of 0.3.0 does (sql/*.sql): the upgrade test compares the two catalogues.
\echo Use "ALTER EXTENSION kobatela UPDATE TO '0.3.0'" to load this file. \quit

-- Every stored value satisfies the new rule (64 hex digits are 1 to 128 non-blank characters).
ALTER TABLE kobatela.proofs DROP CONSTRAINT proofs_sha256_check,
    ADD CONSTRAINT proofs_sha256_check CHECK (btrim(sha256) <> '' AND char_length(sha256) <= 128);
COMMENT ON COLUMN kobatela.proofs.sha256 IS
    'Digest of the file, up to 128 characters (a hex SHA-256 is stored lower-case); a file proves one milestone only.';
