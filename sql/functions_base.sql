-- Trigger functions the tables below rely on.

CREATE FUNCTION kobatela.touch_updated_at() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'kobatela_touch_updated_at';
COMMENT ON FUNCTION kobatela.touch_updated_at() IS 'BEFORE UPDATE row trigger: sets updated_at to now().';
