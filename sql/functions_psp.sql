-- PSP webhooks (src/api/psp.cpp). Runs as the extension owner with a pinned search_path like every API
-- function, but callable without a scope: the request is authenticated by its HMAC signature
-- (docs/reference.md, "PSP webhooks").

CREATE FUNCTION kobatela.psp_webhook(body text, signature text DEFAULT NULL, ts text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_psp_webhook';
COMMENT ON FUNCTION kobatela.psp_webhook(text, text, text) IS
    'A signed PSP event (HMAC-SHA256 over ts.body): recorded once per event_id; settles or fails the payment it names.';

-- PostgREST passes a request's raw body only to a function with a single unnamed json (or text,
-- bytea) parameter; json keeps the exact bytes the PSP signed. Signature and timestamp come from
-- the X-PSP-Signature and X-PSP-Timestamp headers.
CREATE FUNCTION kobatela.psp_webhook_raw(json)
    RETURNS jsonb
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS $$ SELECT kobatela.psp_webhook($1::text, NULL, NULL) $$;
COMMENT ON FUNCTION kobatela.psp_webhook_raw(json) IS
    'psp_webhook for PostgREST: POST /rpc/psp_webhook_raw with the PSP''s body as is; signature and timestamp from the headers.';
