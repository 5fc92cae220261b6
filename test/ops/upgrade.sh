#!/usr/bin/env bash
# upgrade.sh — ALTER EXTENSION kobatela UPDATE from every earlier released version (the frozen
# install scripts sql/versions/kobatela--<version>.sql) to default_version (kobatela.control), on a
# database full of the data that version's own library made (test/ops/fixtures/<version>.sql, from
# make_fixture.sh: a library serves only the database version it was built for), must:
#   * keep every row of every table (row counts and a digest of the rows, over the columns the
#     table had before the upgrade; a value an upgrade moves on purpose is read where it went, see
#     moved_values);
#   * leave the schema exactly as a fresh CREATE EXTENSION of the new version does: pg_dump
#     --schema-only --binary-upgrade of both databases (binary-upgrade mode, because a plain pg_dump
#     leaves extension members out: it prints CREATE EXTENSION and nothing else), oids and
#     relfilenodes removed, one dump entry per object sorted by its text: every function signature
#     and body, table column (in order), constraint, index, policy, trigger, grant, comment and
#     extension membership must be equal; plus the extension's members (pg_depend, by identity) and
#     its configuration tables (pg_extension_config_dump);
#   * keep the API working: API keys still authenticate, the whole fill runs again, now with the
#     sections of the newer versions (their new functions, on an updated database), and the audit
#     chain still verifies, also against the tips taken before the upgrade.
# The last checks prove the comparison sensitive: each alters one object of a copy of the fresh
# database and expects a difference.
# Runs against the cluster in PGHOST/PGPORT/PGUSER (a superuser); prints TAP lines.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib.sh"
source "$here/helpers.bash"
repo=$(cd "$here/../.." && pwd)

target=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$repo/kobatela.control")
# Released versions: the frozen install scripts (kobatela--X.sql, not the upgrade scripts X--Y).
mapfile -t from_versions < <(ls "$repo/sql/versions" | sed -n 's/^kobatela--\([^-]*\)\.sql$/\1/p' | sort -V)
pepper='ops-pepper-do-not-log'
fresh=ops_upgrade_fresh
scratch=ops_upgrade_scratch

# restore_fixture DB VERSION: the rows of test/ops/fixtures/VERSION.sql, triggers off (they are the
# rows, audit trail included, exactly as the VERSION library wrote them).
restore_fixture() {
  [ -f "$here/fixtures/$2.sql" ] || { echo "# no fixture for $2: run test/ops/fixtures/make_fixture.sh"; return 1; }
  PGOPTIONS='-c session_replication_role=replica' quietly psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$here/fixtures/$2.sql"
}

# refused_with DB CODE SQL: SQL fails with the catalogued error CODE.
# (Not a pipeline: under pipefail, psql's own failure would fail the check whatever grep found.)
refused_with() {
  local out
  out=$(q -d "$1" -c "$3" 2>&1)
  grep -q "$2" <<<"$out"
}

# older VERSION RELEASE: whether VERSION is older than RELEASE.
older() { [ "$1" != "$2" ] && [ "$(printf '%s\n' "$1" "$2" | sort -V | head -1)" = "$1" ]; }
before_0_4_0() { older "$1" 0.4.0; }

# moved_values FROM_VERSION AUDIT_MAX_ID < QUERY > QUERY: the digest query of row_digest_query, over
# the audit rows that were there before (an upgrade that changes rows audits the change: the trail
# grows), reading each value an upgrade script moves on purpose where it went. 0.3.0 -> 0.4.0: the
# keys Kobatela made for its milestone payouts leave payments.idempotency_key for payout_key.
# 0.4.0 -> 0.5.0: purchases.sender_id is named beneficiary_id.
moved_values() {
  local moves="s/FROM kobatela\.audit_log) r/FROM kobatela.audit_log WHERE id <= $2) r/"
  if before_0_4_0 "$1"; then
    moves="$moves;/FROM kobatela\.payments)/s/, idempotency_key,/, coalesce(idempotency_key, payout_key),/"
  fi
  if older "$1" 0.5.0; then
    moves="$moves;/FROM kobatela\.purchases)/s/, sender_id,/, beneficiary_id,/"
  fi
  sed "$moves"
}

# schema_of DB: the normalised schema dump (see the head of this file).
schema_of() {
  "$pg_bin/pg_dump" --schema-only --binary-upgrade -d "$1" | awk '
    function flush() {
      if (n == 0) return
      if (acl) {  # GRANTs come in aclitem order, which is history, not meaning: sorted, but only
                  # between the init_privs markers (initial privileges and later changes stay apart)
        for (i = 2; i <= n; i++) {
          if (b[i] ~ /binary_upgrade_set_record_init_privs/) continue
          for (j = i + 1; j <= n && b[j] !~ /binary_upgrade_set_record_init_privs/; j++)
            if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
        }
      }
      s = b[1]; for (i = 2; i <= n; i++) s = s "\037" b[i]
      print s
      n = 0
    }
    /^\\(un)?restrict / || /^--$/ || /^$/ || /^-- For binary upgrade/ { next }
    # oids, relfilenodes, frozen xids, attribute versions: the same schema gets other numbers
    /binary_upgrade_set_next_/ { next }
    /^UPDATE pg_catalog\.pg_class$/ || /^SET relfrozenxid = .*, relminmxid = / { next }
    /^WHERE oid = (\x27[0-9]+\x27|\x27[^\x27]*\x27::pg_catalog\.regclass);$/ { next }
    # a column an upgrade dropped stays in the table as ".....pg.dropped.N....": not part of the schema
    /^UPDATE pg_catalog\.pg_attribute$/ || /^SET attlen = / { next }
    skip_next { skip_next = 0; next }
    /pg\.dropped\./ { if ($0 ~ /^WHERE attname = /) skip_next = 1; next }
    # one entry per object; sequence values are data
    /^-- Name: / { flush(); acl = ($0 ~ /; Type: ACL;/); skip = ($0 ~ /; Type: SEQUENCE SET;/) }
    skip { next }
    { sub(/,$/, "")   # (a dropped last column leaves a comma behind)
      # the configuration tables as oids: compared by name in config_of
      sub(/binary_upgrade_create_empty_extension\(.*/, "binary_upgrade_create_empty_extension(...)")
      b[++n] = $0 }
    END { flush() }
  ' | LC_ALL=C sort | tr '\037' '\n'
}
# members_of DB: the objects that belong to the extension (pg_depend deptype 'e'), by identity.
members_of() {
  q -d "$1" -c "SELECT o.type || ' ' || o.identity
                FROM pg_catalog.pg_depend d, pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid) o
                WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
                  AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'kobatela')
                ORDER BY 1"
}
# config_of DB: the tables and sequences pg_dump dumps the rows of, with their filter.
config_of() {
  q -d "$1" -c "SELECT u.c::regclass::text || ' ' || coalesce(quote_literal(nullif(u.w, '')), 'all rows')
                FROM pg_catalog.pg_extension e, unnest(e.extconfig, e.extcondition) AS u(c, w)
                WHERE e.extname = 'kobatela' ORDER BY 1"
}
# describe DB DIR: all three into DIR.
describe() {
  mkdir -p "$2"
  schema_of "$1" >"$2/schema" && members_of "$1" >"$2/members" && config_of "$1" >"$2/config"
}

# ---- the reference: a fresh install of the new version -------------------------------------------
for db in "$fresh" "$scratch"; do drop_db "$db"; done
for v in "${from_versions[@]}"; do drop_db "ops_upgrade_${v//./_}"; done

check "the installed extension is this tree's (default_version $target)" \
  test "$(q -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'kobatela'")" = "$target"
install_fresh() { recreate_db "$fresh" && quietly q -d "$fresh" -c 'CREATE EXTENSION kobatela'; }
check "a fresh install of $target" install_fresh
describe "$fresh" "$tmp/fresh" 2>"$tmp/out" || diag "$tmp/out"
check "released versions to upgrade from (sql/versions): ${from_versions[*]:-none}" test "${#from_versions[@]}" -gt 0

# ---- each released version, filled, then updated ------------------------------------------------
for v in "${from_versions[@]}"; do
  [ "$v" = "$target" ] && continue
  db=ops_upgrade_${v//./_}
  if ! { recreate_db "$db" && quietly q -d "$db" -c "CREATE EXTENSION kobatela VERSION '$v'"; }; then
    not_ok "$v: CREATE EXTENSION kobatela VERSION '$v'"; continue
  fi
  check_eq "$v: installed at version $v" "$v" "$(q -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'kobatela'")"
  check "$v: filled by the $v library (test/ops/fixtures/$v.sql)" restore_fixture "$db" "$v"
  sed -n 's/^-- platform key: //p' "$here/fixtures/$v.sql" >"$tmp/key"
  check_eq "$v: every table has rows" "" "$(empty_tables "$db")"

  row_digest_query "$db" >"$tmp/digest.sql"
  row_digests "$db" "$tmp/digest.sql" >"$tmp/before" 2>"$tmp/out" || diag "$tmp/out"
  check_eq "$v: a digest of the rows of every table" "$(count_tables "$db")" "$(grep -c . "$tmp/before")"
  tips=$(chain_tips "$db")

  audit_max=$(q -d "$db" -c "SELECT coalesce(max(id), 0) FROM kobatela.audit_log")
  if before_0_4_0 "$v"; then
    # 0.4.0 keeps secrets in files: the update refuses while one is still a setting (here one that
    # 0.3.0's docs allowed, ALTER DATABASE ... SET), naming it and where, never its value; once the
    # setting is gone (docs/operations.md, "Upgrading to 0.4.0"), it goes through.
    q -d postgres -c "INSERT INTO pg_catalog.pg_db_role_setting VALUES ((SELECT oid FROM pg_database WHERE datname = '$db'), 0,
                      '{kobatela.psp_webhook_secret_previous=whsec_old-do-not-log}')" >/dev/null
    q -d "$db" -c 'ALTER EXTENSION kobatela UPDATE' >"$tmp/refused" 2>&1
    check "$v: the update refuses while a secret is still a setting, saying which and where" \
      grep -q "kobatela.psp_webhook_secret_previous by ALTER DATABASE $db" "$tmp/refused"
    check_eq "$v: ... and never its value" 0 "$(grep -c 'whsec_old' "$tmp/refused")"
    check_eq "$v: ... and changes nothing" "$v" "$(q -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'kobatela'" 2>/dev/null)"
    q -d postgres -c "ALTER DATABASE $db RESET kobatela.psp_webhook_secret_previous" >/dev/null
    # The same for a secret left in postgresql.auto.conf by 0.3.0's ALTER SYSTEM SET: named with its
    # file and line (ALTER SYSTEM cannot reset it once 0.4.0 is loaded: the line is deleted by hand).
    auto_conf="$(q -d postgres -c "SHOW data_directory")/postgresql.auto.conf"
    cp -p "$auto_conf" "$tmp/auto.conf"
    echo "kobatela.api_key_pepper = 'pepper-do-not-log'" >>"$auto_conf"
    q -d "$db" -c 'ALTER EXTENSION kobatela UPDATE' >"$tmp/refused" 2>&1
    check "$v: ... also for one in postgresql.auto.conf, naming the file and line" \
      grep -q "kobatela.api_key_pepper in .*postgresql.auto.conf line" "$tmp/refused"
    check_eq "$v: ... again without the value" 0 "$(grep -c 'pepper-do-not-log' "$tmp/refused")"
    cat "$tmp/auto.conf" >"$auto_conf"
  fi
  if [ "$v" = 0.5.0 ]; then
    # 0.6.0 moves the setting kobatela.currencies into the table kobatela.currencies: here one set by
    # ALTER DATABASE, without USD and with two more (lower case and spaces, as 0.5.0 allowed).
    q -d postgres -c "ALTER DATABASE $db SET kobatela.currencies = 'EUR, xof,GHS'" >/dev/null
  fi
  check "$v: ALTER EXTENSION kobatela UPDATE" quietly q -d "$db" -c 'ALTER EXTENSION kobatela UPDATE'
  if [ "$v" = 0.5.0 ]; then
    check_eq "$v: the setting kobatela.currencies migrated (GHS and XOF enabled with ICU's minor units, USD disabled)" \
      "GHS 2 true|USD 2 false|XOF 0 true" \
      "$(q -d "$db" -c "SELECT string_agg(code || ' ' || minor_units || ' ' || enabled, '|' ORDER BY code) FROM kobatela.currencies" 2>&1)"
    check "$v: ... and applies at once: 1000.50 XOF is refused (FRACTIONAL_AMOUNT)" refused_with "$db" FRACTIONAL_AMOUNT \
      "SELECT kobatela.create_transaction(min(id), max(id), 1000.50, 'XOF') FROM kobatela.users"
    check "$v: ... and USD (disabled) too (INVALID_CURRENCY)" refused_with "$db" INVALID_CURRENCY \
      "SELECT kobatela.create_transaction(min(id), max(id), 10, 'USD') FROM kobatela.users"
    q -d postgres -c "ALTER DATABASE $db RESET kobatela.currencies" >/dev/null
    quietly q -d "$db" -c "SELECT kobatela.enable_currency('USD')"  # the fill below uses USD
  fi
  check_eq "$v: now at version $target" "$target" "$(q -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'kobatela'")"
  # 0.8.0 queues every payment that becomes SENT for a payout worker, but not the ones sent before:
  # nothing transmitted those, and an operator may have paid them by hand (operations.md). From
  # 0.8.0 on, the old library queued them itself, and the update keeps its queue.
  if older "$v" 0.8.0; then
    check_eq "$v: the SENT payments of before the update are not queued for a worker" \
      "0 $(q -d "$db" -c "SELECT count(*) FROM kobatela.payments WHERE status = 'SENT'")" \
      "$(q -d "$db" -c "SELECT count(*) || ' ' || (SELECT count(*) FROM kobatela.payments WHERE status = 'SENT') FROM kobatela.payout_transmissions")"
  else
    check_eq "$v: every SENT payment of before the update is still queued for a worker (of $(q -d "$db" -c "SELECT count(*) FROM kobatela.payments WHERE status = 'SENT'"))" "0" \
      "$(q -d "$db" -c "SELECT count(*) FROM kobatela.payments p WHERE p.status = 'SENT'
                          AND NOT EXISTS (SELECT 1 FROM kobatela.payout_transmissions t WHERE t.payment_id = p.id)" 2>&1)"
  fi
  # 0.4.0 moved keys: a key chosen through a key bound to a user is that user's (the transfer Amara's
  # phone made), the platform's stay the platform's, and Kobatela's payout keys left the callers'.
  check_eq "$v: 0.4.0's owners of idempotency keys (Amara's transfer is hers; the rest the platform's)" \
    "ops-tx-a|amara_a" \
    "$(q -d "$db" -c "SELECT string_agg(t.idempotency_key || '|' || u.username, ' ') FROM kobatela.transactions t
                      JOIN kobatela.users u ON u.id = t.idempotency_owner" 2>&1)"
  # (From 0.8.0 on, the fill also releases an escrow in its payout hand-off section: one payment more
  # with a payout key.)
  check_eq "$v: 0.4.0's payout keys (milestone payouts: payout_key, no caller key)" "$(older "$v" 0.8.0 && echo 2 || echo 3) 0" \
    "$(q -d "$db" -c "SELECT count(payout_key) || ' ' || count(idempotency_key) FILTER (WHERE milestone_id IS NOT NULL)
                      FROM kobatela.payments" 2>&1)"
  moved_values "$v" "$audit_max" <"$tmp/digest.sql" >"$tmp/digest_after.sql"
  row_digests "$db" "$tmp/digest_after.sql" >"$tmp/after" 2>&1
  compare_files "$v: every row of every table kept (rows and digests before = after)" "$tmp/before" "$tmp/after" \
    "before the upgrade" "after the upgrade"
  check "$v: the audit chain verifies, against the tips taken before the upgrade too" \
    chain_verifies "$db" "$tips"
  # The books hold on what the old library wrote (docs/reference.md, "The books"): what a 0.5.0
  # release or refund left in a terminal escrow is a PENDING payment now, which is no violation.
  check_eq "$v: check_invariants() finds nothing after the upgrade" "" \
    "$(q -d "$db" -c "SELECT string_agg(rule || ' ' || ids::text, '; ') FROM kobatela.check_invariants()" 2>&1)"
  check_eq "$v: the ledger sums to zero in every currency" "" \
    "$(q -d "$db" -c "SELECT string_agg(currency, ' ') FROM (SELECT currency FROM (SELECT currency, amount FROM kobatela.ledger
                      UNION ALL SELECT currency, -amount FROM kobatela.ledger) p GROUP BY currency HAVING sum(amount) <> 0) u" 2>&1)"
  # The ledger of the escrows the old library released, refunded or cancelled, as a diagnostic.
  q -d "$db" -c "SELECT e.status || ' escrow:' || e.id || ': ' || l.posting_id || ' ' || l.movement || ' '
                        || l.debit_account || ' <- ' || l.credit_account || ' ' || l.amount || ' ' || l.currency
                 FROM kobatela.escrow_agreements e JOIN kobatela.ledger l
                   ON l.debit_account = 'escrow:' || e.id OR l.credit_account = 'escrow:' || e.id
                 WHERE e.status IN ('RELEASED', 'REFUNDED', 'CANCELLED') ORDER BY e.id, l.source_table, l.source_id, l.posting_id" \
    2>&1 | sed "s/^/# $v ledger: /"
  check_eq "$v: the PENDING payments the upgrade made for terminal escrows are what they hold" "" \
    "$(q -d "$db" -c "SELECT string_agg(e.id::text, ' ') FROM kobatela.escrow_agreements e
                      WHERE e.status IN ('RELEASED', 'REFUNDED', 'CANCELLED')
                        AND e.deposited_amount - e.paid_amount - e.refunded_amount - e.to_repay_amount
                            <> (SELECT coalesce(sum(p.amount), 0) FROM kobatela.payments p
                                WHERE p.escrow_id = e.id AND p.status = 'PENDING')" 2>&1)"

  describe "$db" "$tmp/$db" 2>"$tmp/out" || diag "$tmp/out"
  compare_files "$v: schema identical to a fresh $target install (pg_dump --binary-upgrade, normalised)" \
    "$tmp/fresh/schema" "$tmp/$db/schema" "fresh install of $target" "$v updated to $target"
  compare_files "$v: the same objects belong to the extension (pg_depend)" \
    "$tmp/fresh/members" "$tmp/$db/members" "fresh install of $target" "$v updated to $target"
  compare_files "$v: the same configuration tables (pg_extension_config_dump)" \
    "$tmp/fresh/config" "$tmp/$db/config" "fresh install of $target" "$v updated to $target"

  check "$v: an API key made at $v still authenticates" key_works "$db" "$(cat "$tmp/key" 2>/dev/null)" "$pepper"
  check_eq "$v: health() reports $target" "$target" "$(q -d "$db" -c "SELECT kobatela.health() ->> 'version'" 2>&1)"
  # The fill again, now with the sections of the versions after $v: the new API on an updated database.
  check "$v: the whole fill runs again on the updated database, $target sections included" fill "$db" b
  # (0.2.0's section: the raw-body webhook entry point; 0.3.0's: a free-form proof digest. Each later
  # version adds its own check here.)
  check_eq "$v: the 0.2.0 section ran (psp_webhook_raw recorded its event)" 1 \
    "$(q -d "$db" -c "SELECT count(*) FROM kobatela.psp_webhook_events WHERE event_id = 'evt_ops_raw_b'" 2>&1)"
  check_eq "$v: the 0.3.0 section ran (a proof with a non-hex digest)" 1 \
    "$(q -d "$db" -c "SELECT count(*) FROM kobatela.proofs WHERE sha256 = 'ops-digest-b'" 2>&1)"
  check_eq "$v: the 0.8.0 section ran (a payout claimed and reported transmitted by a worker key)" "TRANSMITTED" \
    "$(q -d "$db" -c "SELECT t.state FROM kobatela.payout_transmissions t JOIN kobatela.payments p ON p.id = t.payment_id
                      JOIN kobatela.escrow_agreements e ON e.id = p.escrow_id
                      WHERE t.claimed_by = 'ops-worker-b' AND e.release_conditions ->> 'purpose' = 'hand-off'" 2>&1)"
  check_eq "$v: the 0.8.0 metadata section ran (a spend with metadata; every older row has {})" "1|0" \
    "$(q -d "$db" -c "SELECT (SELECT count(*) FROM kobatela.payments WHERE metadata ->> 'invoice' = 'ops-INV-1'
                                AND idempotency_key = 'ops-meta-spend-b'),
                             (SELECT count(*) FROM kobatela.users WHERE metadata IS NULL OR jsonb_typeof(metadata) <> 'object')" 2>&1)"
  check "$v: the audit chain verifies after new writes" chain_verifies "$db" "$tips"
  # 0.7.0 writes one record per business action; what was written before reads as it did: a row
  # of 0.3.0 to 0.6.0 as one entry, a record of 0.7.0 on as its changes.
  check_eq "$v: what was written before the upgrade reads as before (audit_entries: a row one entry, a record its changes)" "t" \
    "$(q -d "$db" -c "SELECT (SELECT count(*) FROM kobatela.audit_entries WHERE record_id <= $audit_max)
                             = (SELECT count(*) FILTER (WHERE changes IS NULL)
                                       + coalesce(sum(json_array_length(changes)), 0)
                                FROM kobatela.audit_log WHERE id <= $audit_max)" 2>&1)"
  check_eq "$v: what the upgrade and the new writes added are records (changes set), none a row" "true 0" \
    "$(q -d "$db" -c "SELECT (count(*) FILTER (WHERE changes IS NOT NULL) > 0) || ' ' || count(*) FILTER (WHERE changes IS NULL)
                      FROM kobatela.audit_log WHERE id > $audit_max" 2>&1)"
  check_eq "$v: check_invariants() finds nothing after the new writes" "" \
    "$(q -d "$db" -c "SELECT string_agg(rule || ' ' || ids::text, '; ') FROM kobatela.check_invariants()" 2>&1)"
done

# ---- the comparison catches a difference --------------------------------------------------------
# Each case alters one object of a copy of the fresh install, as an upgrade script that forgot
# something (or did one thing too many) would leave it.
mutations=(
  "an extra function|CREATE FUNCTION kobatela.only_in_one() RETURNS int LANGUAGE sql AS 'SELECT 1'; ALTER EXTENSION kobatela ADD FUNCTION kobatela.only_in_one()"
  "a function's attributes|ALTER FUNCTION kobatela.health() VOLATILE"
  "a function's body|CREATE OR REPLACE FUNCTION kobatela.health() RETURNS jsonb LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, kobatela, pg_temp AS '\$libdir/kobatela', 'kobatela_error_catalogue'"
  "a function's settings|ALTER FUNCTION kobatela.health() SET search_path = pg_catalog"
  "a column|ALTER TABLE kobatela.users ADD COLUMN note text"
  "a constraint|ALTER TABLE kobatela.users DROP CONSTRAINT users_username_check"
  "an index|DROP INDEX kobatela.alerts_created_at_id_idx"
  "a policy|ALTER POLICY read_by_scope ON kobatela.merchants USING (true)"
  "a trigger|DROP TRIGGER audit ON kobatela.merchants"
  "a grant|REVOKE SELECT ON kobatela.merchants FROM kobatela_anon"
  "a comment|COMMENT ON TABLE kobatela.users IS 'changed'"
  "an enum value|ALTER TYPE kobatela.payment_status ADD VALUE 'LOST'"
  "membership of the extension|ALTER EXTENSION kobatela DROP FUNCTION kobatela.health()"
  "a dump filter|UPDATE pg_catalog.pg_extension SET extcondition[1] = 'WHERE false' WHERE extname = 'kobatela'"
)
# caught SQL: 0 when the comparison sees the change, 1 when it does not, 2 when SQL failed.
caught() {
  recreate_db "$scratch" "$fresh" && quietly q -d "$scratch" -c "$1" || return 2
  if ! describe "$scratch" "$tmp/scratch" 2>"$tmp/out"; then diag "$tmp/out"; return 2; fi
  ! { diff -q "$tmp/fresh/schema" "$tmp/scratch/schema" && diff -q "$tmp/fresh/members" "$tmp/scratch/members" \
        && diff -q "$tmp/fresh/config" "$tmp/scratch/config"; } >/dev/null
}
if [ -s "$tmp/fresh/schema" ]; then
  for m in "${mutations[@]}"; do
    check "the comparison catches ${m%%|*}" caught "${m#*|}"
  done
else
  not_ok "the comparison catches a difference (no fresh install to compare with)"
fi

if done_testing; then
  for db in "$fresh" "$scratch"; do drop_db "$db"; done
  for v in "${from_versions[@]}"; do drop_db "ops_upgrade_${v//./_}"; done
  exit 0
fi
exit 1
