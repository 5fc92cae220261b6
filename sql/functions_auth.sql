-- API keys and identity (src/api/auth.cpp, api_keys.cpp, identity.cpp). See docs/security.md.

-- What get_api_key returns: a key without its hash.
CREATE TYPE kobatela.api_key_info AS (
    id           bigint,
    name         text,
    prefix       text,
    scope        kobatela.api_scope,
    user_id      bigint,
    is_active    boolean,
    expires_at   timestamptz,
    last_used_at timestamptz,
    created_at   timestamptz,
    updated_at   timestamptz
);
COMMENT ON TYPE kobatela.api_key_info IS 'An API key as get_api_key shows it: everything but the hash.';

CREATE FUNCTION kobatela.create_api_key(name text, scope kobatela.api_scope, user_id bigint DEFAULT NULL,
                                        expires_at timestamptz DEFAULT NULL,
                                        OUT id bigint, OUT prefix text, OUT api_key text)
    RETURNS record
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_create_api_key';
COMMENT ON FUNCTION kobatela.create_api_key(text, kobatela.api_scope, bigint, timestamptz) IS
    'Admin: a new API key; the plaintext api_key is returned this once, only its peppered hash is stored.';

CREATE FUNCTION kobatela.get_api_key(id bigint)
    RETURNS kobatela.api_key_info
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_get_api_key';
COMMENT ON FUNCTION kobatela.get_api_key(bigint) IS 'Admin: an API key without its hash; APIKEY_NOT_FOUND otherwise.';

CREATE FUNCTION kobatela.revoke_api_key(id bigint)
    RETURNS void
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_revoke_api_key';
COMMENT ON FUNCTION kobatela.revoke_api_key(bigint) IS 'Admin: every later use of the key fails.';

CREATE FUNCTION kobatela.authenticate(api_key text)
    RETURNS kobatela.api_scope
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_authenticate';
COMMENT ON FUNCTION kobatela.authenticate(text) IS
    'Verifies an API key and makes it the identity of the current transaction; UNAUTHORIZED otherwise.';

CREATE FUNCTION kobatela.pre_request()
    RETURNS void
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_pre_request';
COMMENT ON FUNCTION kobatela.pre_request() IS
    'PostgREST db-pre-request: authenticates the X-API-Key (or Authorization: Bearer koba_...) header.';

-- The identity functions are read by RLS policies once per statement: STABLE, and cheap (no SQL).
CREATE FUNCTION kobatela.current_scope()
    RETURNS kobatela.api_scope
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'kobatela_current_scope';
COMMENT ON FUNCTION kobatela.current_scope() IS
    'The caller''s scope: the authenticated key''s, else the role''s membership in kobatela_admin/sender/support; NULL without any.';

CREATE FUNCTION kobatela.current_user_id()
    RETURNS bigint
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'kobatela_current_user_id';
COMMENT ON FUNCTION kobatela.current_user_id() IS
    'The user the authenticated key, or a PostgREST JWT''s kobatela_user_id claim, binds the caller to (it acts only where that user is a party); NULL when unbound.';

CREATE FUNCTION kobatela.current_actor()
    RETURNS text
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'kobatela_current_actor';
COMMENT ON FUNCTION kobatela.current_actor() IS 'What the audit log records as actor: apikey:<id>, role:<name>, or role:<name>/user:<id> when a JWT claim binds the role.';
