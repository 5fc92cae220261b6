-- dump_config.sql — mark every table as user data, so that pg_dump dumps its rows.
--
-- pg_dump leaves out the rows of an extension's tables (CREATE EXTENSION recreates them empty)
-- unless they are registered here. Each table's identity sequence is registered too: otherwise a
-- restored database starts its ids again at 1 and the next insert collides with a restored row.
-- (Identity sequences created by the install script are members of the extension, which
-- pg_extension_config_dump requires; pg_dump then emits setval() for them.)
-- A table added to the data model must be added to this list; the check after the loop fails the
-- install when a table of the schema is missing from it.
-- One call per statement (a loop, not one SELECT over the list): pg_extension_config_dump updates
-- the pg_extension row, and two updates of it in one statement fail ("tuple already updated by self").

DO $$
DECLARE
    tbl       text;
    forgotten text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY[
        -- tables_identity.sql
        'kobatela.users',
        'kobatela.api_keys',
        'kobatela.audit_log',
        'kobatela.alerts',
        'kobatela.transactions',
        'kobatela.allowed_recipients',
        'kobatela.certified_accounts',
        -- tables_escrow.sql
        'kobatela.escrow_agreements',
        'kobatela.escrow_deposits',
        'kobatela.escrow_events',
        'kobatela.milestones',
        'kobatela.proofs',
        'kobatela.payments',
        'kobatela.psp_webhook_events',
        'kobatela.payout_transmissions',
        -- tables_spend.sql
        'kobatela.spend_categories',
        'kobatela.merchants',
        'kobatela.usage_mandates',
        'kobatela.allowed_payees',
        'kobatela.allowed_usages',
        'kobatela.purchases',
        'kobatela.purchase_refunds',
        -- tables_currencies.sql
        'kobatela.currencies',
        -- tables_events.sql
        'kobatela.events'
    ]
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(tbl::regclass, '');
        PERFORM pg_catalog.pg_extension_config_dump(
                    pg_catalog.pg_get_serial_sequence(tbl, 'id')::regclass, '');
    END LOOP;

    SELECT pg_catalog.string_agg(c.oid::regclass::text, ', ')
      INTO forgotten
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'kobatela'::regnamespace
       AND c.relkind IN ('r', 'p')
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE c.oid = ANY (e.extconfig));
    IF forgotten IS NOT NULL THEN
        RAISE EXCEPTION 'tables not registered for pg_dump in dump_config.sql: %', forgotten;
    END IF;
END
$$;
