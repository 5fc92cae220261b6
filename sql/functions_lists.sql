-- Lists (src/api/lists.cpp; docs/reference.md, "Lists"): one page of what the caller may see, newest
-- first, as {"object": "list", "data": [row, ...], "has_more": bool, "next_cursor": text or null}.
-- Every argument is optional; "limit" (NULL: 100, at most 1000) and cursor (the previous page's
-- next_cursor) come last. Read-only (STABLE): PostgREST calls them with GET or POST.

CREATE FUNCTION kobatela.list_escrows(status text DEFAULT NULL, currency text DEFAULT NULL,
                                      counterparty_id bigint DEFAULT NULL, created_since timestamptz DEFAULT NULL,
                                      created_until timestamptz DEFAULT NULL, "limit" integer DEFAULT NULL,
                                      cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_escrows';
COMMENT ON FUNCTION kobatela.list_escrows(text, text, bigint, timestamptz, timestamptz, integer, text) IS
    'A page of escrows, newest first: by status, currency, counterparty (a party: client or provider), created in [since, until).';

CREATE FUNCTION kobatela.list_milestones(escrow_id bigint DEFAULT NULL, status text DEFAULT NULL,
                                         "limit" integer DEFAULT NULL, cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_milestones';
COMMENT ON FUNCTION kobatela.list_milestones(bigint, text, integer, text) IS
    'A page of milestones, newest first: of an escrow (else of every escrow the caller sees), by status.';

CREATE FUNCTION kobatela.list_payments(escrow_id bigint DEFAULT NULL, status text DEFAULT NULL, kind text DEFAULT NULL,
                                       created_since timestamptz DEFAULT NULL, created_until timestamptz DEFAULT NULL,
                                       "limit" integer DEFAULT NULL, cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_payments';
COMMENT ON FUNCTION kobatela.list_payments(bigint, text, text, timestamptz, timestamptz, integer, text) IS
    'A page of payments, newest first: of an escrow (else of every escrow the caller sees), by status, kind, created in [since, until).';

CREATE FUNCTION kobatela.list_deposits(escrow_id bigint DEFAULT NULL, created_since timestamptz DEFAULT NULL,
                                       created_until timestamptz DEFAULT NULL, "limit" integer DEFAULT NULL,
                                       cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_deposits';
COMMENT ON FUNCTION kobatela.list_deposits(bigint, timestamptz, timestamptz, integer, text) IS
    'A page of deposits, newest first: into an escrow (else into every escrow the caller sees), created in [since, until).';

CREATE FUNCTION kobatela.list_payees(escrow_id bigint DEFAULT NULL, "limit" integer DEFAULT NULL,
                                     cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_payees';
COMMENT ON FUNCTION kobatela.list_payees(bigint, integer, text) IS
    'A page of allowed payees, newest first: of an escrow (else of every escrow the caller sees).';

CREATE FUNCTION kobatela.list_transactions(status text DEFAULT NULL, currency text DEFAULT NULL,
                                           counterparty_id bigint DEFAULT NULL, created_since timestamptz DEFAULT NULL,
                                           created_until timestamptz DEFAULT NULL, "limit" integer DEFAULT NULL,
                                           cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_transactions';
COMMENT ON FUNCTION kobatela.list_transactions(text, text, bigint, timestamptz, timestamptz, integer, text) IS
    'A page of transfers, newest first: by status, currency, counterparty (sender or receiver), created in [since, until).';

CREATE FUNCTION kobatela.list_mandates(status text DEFAULT NULL, currency text DEFAULT NULL,
                                       counterparty_id bigint DEFAULT NULL, created_since timestamptz DEFAULT NULL,
                                       created_until timestamptz DEFAULT NULL, "limit" integer DEFAULT NULL,
                                       cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_mandates';
COMMENT ON FUNCTION kobatela.list_mandates(text, text, bigint, timestamptz, timestamptz, integer, text) IS
    'A page of mandates, newest first: by status, currency, counterparty (sender or beneficiary), created in [since, until).';

CREATE FUNCTION kobatela.list_purchases(mandate_id bigint DEFAULT NULL, status text DEFAULT NULL,
                                        currency text DEFAULT NULL, created_since timestamptz DEFAULT NULL,
                                        created_until timestamptz DEFAULT NULL, "limit" integer DEFAULT NULL,
                                        cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_purchases';
COMMENT ON FUNCTION kobatela.list_purchases(bigint, text, text, timestamptz, timestamptz, integer, text) IS
    'A page of purchases, newest first: under a mandate, by status, currency, created in [since, until).';

CREATE FUNCTION kobatela.list_alerts_page(type text DEFAULT NULL, "limit" integer DEFAULT NULL,
                                          cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_alerts_page';
COMMENT ON FUNCTION kobatela.list_alerts_page(text, integer, text) IS
    'A page of alerts, newest first, optionally of one type: list_alerts a page at a time.';

CREATE FUNCTION kobatela.list_escrow_events(escrow_id bigint, "limit" integer DEFAULT NULL,
                                            cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_escrow_events';
COMMENT ON FUNCTION kobatela.list_escrow_events(bigint, integer, text) IS
    'A page of the escrow''s timeline, oldest first: escrow_events a page at a time.';

CREATE FUNCTION kobatela.list_api_keys(user_id bigint DEFAULT NULL, "limit" integer DEFAULT NULL,
                                       cursor text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_list_api_keys';
COMMENT ON FUNCTION kobatela.list_api_keys(bigint, integer, text) IS
    'Admin: a page of API keys, newest first, as get_api_key shows them (never the hash); optionally of one user.';
