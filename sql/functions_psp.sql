-- PSP webhooks (src/api/psp.cpp). Runs as the extension owner with a pinned search_path like every API
-- function, but callable without a scope: the request is authenticated by its HMAC signature
-- (docs/reference.md, "PSP webhooks").

CREATE FUNCTION kobatela.psp_webhook(body text, signature text DEFAULT NULL, ts text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp
    AS 'MODULE_PATHNAME', 'kobatela_psp_webhook';
COMMENT ON FUNCTION kobatela.psp_webhook(text, text, text) IS
    'A signed PSP event (HMAC-SHA256 over ts.body): recorded once per event_id; settles or fails the payment it names.';
