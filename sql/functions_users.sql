-- Users, allowlist, certification, restricted transactions and alerts (src/api/users.cpp,
-- src/api/transactions.cpp, src/api/alerts.cpp). None is STRICT: a NULL argument is an
-- INVALID_ARGUMENT error, never a silent NULL.

CREATE FUNCTION kobatela.create_user(username text, email text, is_active boolean DEFAULT true,
                                     metadata jsonb DEFAULT NULL)
    RETURNS kobatela.users
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_user';
COMMENT ON FUNCTION kobatela.create_user(text, text, boolean, jsonb) IS
    'Creates a user, with the application''s metadata ({} when NULL); USER_EXISTS when the username or e-mail is taken (case-insensitively).';

CREATE FUNCTION kobatela.get_user(id bigint)
    RETURNS kobatela.users
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_get_user';
COMMENT ON FUNCTION kobatela.get_user(bigint) IS 'The user with this id; USER_NOT_FOUND otherwise.';

CREATE FUNCTION kobatela.add_to_allowlist(owner_id bigint, recipient_id bigint)
    RETURNS text
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_add_to_allowlist';
COMMENT ON FUNCTION kobatela.add_to_allowlist(bigint, bigint) IS
    'Lets owner_id send transfers to recipient_id: ''added'', or ''exists'' when already allowed.';

CREATE FUNCTION kobatela.add_certification(user_id bigint, level text)
    RETURNS text
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_add_certification';
COMMENT ON FUNCTION kobatela.add_certification(bigint, text) IS
    'Certifies a user at BASIC or GOLD (case-insensitive): ''certified'' or ''updated''.';

CREATE FUNCTION kobatela.create_transaction(sender_id bigint, receiver_id bigint, amount numeric,
                                            currency text DEFAULT 'USD', idempotency_key text DEFAULT NULL,
                                            metadata jsonb DEFAULT NULL)
    RETURNS kobatela.transactions
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_transaction';
COMMENT ON FUNCTION kobatela.create_transaction(bigint, bigint, numeric, text, text, jsonb) IS
    'A transfer to an allowlisted or certified receiver (COMPLETED), else recorded as REJECTED with an alert. Idempotent per sender and key; carries the application''s metadata.';

CREATE FUNCTION kobatela.get_transaction(id bigint)
    RETURNS kobatela.transactions
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_get_transaction';
COMMENT ON FUNCTION kobatela.get_transaction(bigint) IS 'The transaction with this id; TRANSACTION_NOT_FOUND otherwise.';

CREATE FUNCTION kobatela.list_alerts(type text DEFAULT NULL)
    RETURNS SETOF kobatela.alerts
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_alerts';
COMMENT ON FUNCTION kobatela.list_alerts(text) IS 'Alerts, newest first, optionally of one type.';
