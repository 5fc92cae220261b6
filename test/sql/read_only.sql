-- A call that writes, in a READ ONLY transaction on the primary (PostgREST's GET, BEGIN READ ONLY,
-- SET TRANSACTION READ ONLY, a function with SET transaction_read_only): PostgreSQL refuses its
-- first write (SQLSTATE 25006), and the call fails with the catalogued READ_ONLY, whose hint says
-- where writes go, never with PostgreSQL's "cannot execute INSERT in a read-only transaction".
-- Nothing is written; the reads and authenticate work. (src/pg/guard.cpp, core/read_only.hpp; a
-- hot standby, where every transaction is read-only, is test/ops/standby.sh.)

CALL t.use_secret('api_key_pepper', 'read-only-pepper-do-not-log');
SELECT id AS ro_client FROM kobatela.create_user('ro_client', 'ro_client@example.com') \gset
SELECT id AS ro_provider FROM kobatela.create_user('ro_provider', 'ro_provider@example.com') \gset
SELECT api_key AS ro_admin_key FROM kobatela.create_api_key('ro admin', 'admin') \gset
SELECT api_key AS ro_client_key FROM kobatela.create_api_key('ro client', 'sender', :ro_client) \gset
SELECT id AS ro_escrow FROM kobatela.create_escrow(:ro_client, :ro_provider, 100, 'USD', '{}', now() + interval '9 days') \gset
SELECT status FROM kobatela.escrow_deposit(:ro_escrow, 100);
SELECT payee_ref FROM kobatela.add_allowed_payee(:ro_escrow, 'ro_clinic', 'Clinic');

-- SET TRANSACTION READ ONLY, then a write: READ_ONLY, SQLSTATE 25006, with its detail and hint.
BEGIN;
SET TRANSACTION READ ONLY;
SELECT kobatela.create_user('ro_nobody', 'ro_nobody@example.com');
ROLLBACK;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate, :'LAST_ERROR_MESSAGE' AS message;
SELECT count(*) AS ro_nobody_users FROM kobatela.users WHERE username = 'ro_nobody';

-- In a READ ONLY transaction: the key authenticates (its use cannot be recorded: none is), the
-- reads answer, and every call that writes is READ_ONLY (the outcome: 'SQLSTATE MESSAGE').
CREATE FUNCTION t.ro_try(api_key text, statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    outcome text;
BEGIN
    PERFORM kobatela.authenticate(api_key);
    EXECUTE statement INTO outcome;
    RETURN coalesce(outcome, 'null');
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS outcome = RETURNED_SQLSTATE;
    RETURN outcome || ' ' || SQLERRM;
END $$;
SELECT t.row_counts() AS counts_before \gset
BEGIN READ ONLY;
SELECT call, t.ro_try(:'ro_admin_key', statement) AS outcome FROM (VALUES
    (1, 'get_escrow', format('SELECT status FROM kobatela.get_escrow(%s)', :ro_escrow)),
    (2, 'list_escrows', 'SELECT jsonb_typeof(kobatela.list_escrows() -> ''data'')'),
    (3, 'list_payees', format('SELECT kobatela.list_payees(%s) #>> ''{data,0,payee_ref}''', :ro_escrow)),
    (4, 'events_since', 'SELECT count(*) > 0 FROM kobatela.events_since(NULL, 5)'),
    (5, 'verify_audit_chain', 'SELECT kobatela.verify_audit_chain() IS NOT NULL'),
    (6, 'health', 'SELECT kobatela.health() ->> ''role'''),
    (7, 'create_user', 'SELECT id FROM kobatela.create_user(''ro_eve'', ''ro_eve@example.com'')'),
    (8, 'create_escrow', format('SELECT id FROM kobatela.create_escrow(%s, %s, 10, ''USD'', ''{}'', now() + interval ''1 day'')',
                                :ro_client, :ro_provider)),
    (9, 'escrow_deposit', format('SELECT status FROM kobatela.escrow_deposit(%s, 1)', :ro_escrow)),
    (10, 'spend', format('SELECT id FROM kobatela.spend(%s, ''ro_clinic'', 5)', :ro_escrow)),
    (11, 'claim_payouts', 'SELECT count(*) FROM kobatela.claim_payouts(''ro worker'')'),
    (12, 'release_overdue_escrows', 'SELECT kobatela.release_overdue_escrows()'),
    (13, 'expire_mandates', 'SELECT kobatela.expire_mandates()'),
    (14, 'create_api_key', 'SELECT id FROM kobatela.create_api_key(''ro key'', ''sender'')'),
    (15, 'enable_currency', 'SELECT code FROM kobatela.enable_currency(''XOF'')')) AS c(n, call, statement)
ORDER BY n;
ROLLBACK;
SELECT t.row_counts() = :'counts_before'::jsonb AS nothing_written;

-- The detail and hint of a write in a read-only function (SET transaction_read_only = on), as
-- a sender's key: a read-only transaction on the primary, not a standby.
CREATE FUNCTION t.ro_create_transaction(api_key text, sender bigint, receiver bigint)
    RETURNS text LANGUAGE plpgsql SET transaction_read_only = on AS $$
DECLARE
    state text; message text; detail text; hint text;
BEGIN
    PERFORM kobatela.authenticate(api_key);
    PERFORM kobatela.create_transaction(sender, receiver, 5, 'USD');
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                            hint = PG_EXCEPTION_HINT;
    RETURN concat_ws(E'\n', state || ' ' || message, detail, hint);
END $$;
SELECT t.ro_create_transaction(:'ro_client_key', :ro_client, :ro_provider) AS refused;
SELECT t.row_counts() = :'counts_before'::jsonb AS nothing_written;

-- The same calls in a read-write transaction work: the refusal was the transaction's mode.
SELECT username AS read_write_writes FROM kobatela.create_user('ro_eve', 'ro_eve@example.com');

DROP FUNCTION t.ro_try(text, text);
DROP FUNCTION t.ro_create_transaction(text, bigint, bigint);
