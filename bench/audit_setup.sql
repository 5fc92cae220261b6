-- Tables for bench/audit.sh: three copies of kobatela.alerts' shape (columns, defaults, checks,
-- indexes), identical but for their audit trigger:
--   bench.alerts_plain  no trigger
--   bench.alerts_koba   kobatela.audit_row() (C++, hash-chained, into kobatela.audit_log)
--   peer.alerts         the common PL/pgSQL to_jsonb trigger of /work/shared/bench/peer_spend.sql
CREATE SCHEMA IF NOT EXISTS bench;
CREATE TABLE bench.alerts_plain (LIKE kobatela.alerts INCLUDING ALL);
CREATE TABLE bench.alerts_koba  (LIKE kobatela.alerts INCLUDING ALL);
-- audit_row runs only for the extension's own tables (docs/security.md): the benchmark's copy is
-- made one, as a superuser may (the bench database is thrown away after the run).
ALTER EXTENSION kobatela ADD TABLE bench.alerts_koba;
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON bench.alerts_koba
    FOR EACH ROW EXECUTE FUNCTION kobatela.audit_row();

CREATE SCHEMA peer;
CREATE TABLE peer.alerts (LIKE kobatela.alerts INCLUDING ALL);
CREATE TABLE peer.audit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, actor text, action text, entity text,
  entity_id bigint, data jsonb, at timestamptz DEFAULT now());
CREATE FUNCTION peer.audit_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO peer.audit (actor, action, entity, entity_id, data)
  VALUES (current_user, TG_OP, TG_TABLE_NAME, (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END),
          CASE WHEN TG_OP = 'UPDATE' THEN jsonb_build_object('old', to_jsonb(OLD), 'new', to_jsonb(NEW))
               WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END);
  RETURN NULL;
END $$;
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON peer.alerts FOR EACH ROW EXECUTE FUNCTION peer.audit_trg();
