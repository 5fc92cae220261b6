#!/usr/bin/env node
// Kobatela from Node.js: one database transaction per application request (docs/clients.md).
//
// The first part is a small library an application's request handlers use:
//
//     const handler = new RequestHandler(client);   // a connected pg.Client
//     const outcome = await handler.run(apiKey, (tx) => tx.one('SELECT ... FROM kobatela.spend($1, $2, $3, ...)', [...]));
//
// `run` sends `BEGIN; SELECT kobatela.authenticate(<key>); <the request's calls>; COMMIT`: the key's
// identity lives in the database backend's memory for that one transaction and ends with it. A
// request that fails with a serialization failure (40001) or a deadlock (40P01) is run again from
// BEGIN, a bounded number of times, after a jittered backoff; any other error is rolled back
// (nothing the request did is kept) and thrown as an ApiError with the HTTP status an application
// answers, Kobatela's stable code (the error's MESSAGE), its SQLSTATE, DETAIL and HINT. The API key
// is passed as a bound parameter and never printed.
//
// The second part is a command-line demo that tells a short story with it (`story`), makes the
// deliberate mistakes alone (`errors`) and makes one keyed spend (`spend`, used by
// test/ops/clients.sh to make a retry happen).
//
// Configuration (environment): KOBATELA_API_KEY a key of scope sender (required; never printed),
// KOBATELA_DSN a connection URI (postgresql://...; empty: the PG* variables), KOBATELA_ROLE a role
// to SET after connecting (optional), KOBATELA_CLIENT_RENDEZVOUS (tests only) an advisory lock
// number: the first attempt of each request waits for that lock after its first call, so that a
// test can commit a conflicting write from another session at that moment.
//
// Runs with node-postgres from Debian 12's node-pg (its pure-JavaScript client; pg.native is never
// used): NODE_PATH names where it is when Node does not find it by itself (scripts/ensure_node_pg.sh).
'use strict';

let pg;
try {
  pg = require('pg');
} catch (e) {
  console.error('node_client: node-postgres not found: run scripts/ensure_node_pg.sh and set NODE_PATH to the ' +
                'directory it prints (docs/clients.md)');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------
// The library part: a request in a transaction, with the caller's key, errors mapped, retries.
// ---------------------------------------------------------------------------------------------------

// SQLSTATEs after which the whole transaction may simply be run again: PostgreSQL rolled it back
// because of a concurrent transaction, not because of anything in the request.
const RETRYABLE_SQLSTATES = { '40001': 'SERIALIZATION_FAILURE', '40P01': 'DEADLOCK_DETECTED' };

// Kobatela's codes are MESSAGE; PostgreSQL's own messages are sentences.
const KOBATELA_CODE = /^[A-Z][A-Z0-9_]+$/;
const SQLSTATE = /^[0-9A-Z]{5}$/;

const ISOLATION_LEVELS = {
  'read-committed': 'READ COMMITTED', 'repeatable-read': 'REPEATABLE READ', serializable: 'SERIALIZABLE',
};

// What the application answers: an HTTP status, a stable code, and what to tell the caller.
class ApiError extends Error {
  constructor(status, code, sqlstate, detail, hint, attempts) {
    super(`${status} ${code} (${sqlstate})`);
    this.status = status;
    this.code = code;
    this.sqlstate = sqlstate;
    this.detail = detail === undefined ? null : detail;
    this.hint = hint === undefined ? null : hint;
    this.attempts = attempts;
  }

  asObject() {
    return { status: this.status, code: this.code, sqlstate: this.sqlstate, detail: this.detail,
             hint: this.hint, attempts: this.attempts };
  }
}

// Maps a database error to an ApiError: Kobatela's SQLSTATE PTxxx carries the HTTP status and its
// MESSAGE the stable code; PostgreSQL's own errors are mapped by SQLSTATE class.
function apiError(error, attempts = 1) {
  const state = error instanceof pg.DatabaseError && SQLSTATE.test(error.code) ? error.code : '';
  const message = error.message || '';
  const { detail, hint } = error;
  const kobatelaCode = KOBATELA_CODE.test(message) ? message : null;
  if (/^PT[0-9]{3}$/.test(state)) {
    return new ApiError(Number(state.slice(2)), kobatelaCode || 'ERROR', state, detail, hint, attempts);
  }
  if (state in RETRYABLE_SQLSTATES) { // still failing after the last attempt
    return new ApiError(503, RETRYABLE_SQLSTATES[state], state, message, 'Try again later.', attempts);
  }
  if (state === '42501') return new ApiError(403, 'PERMISSION_DENIED', state, message, null, attempts);
  if (state === '25006') return new ApiError(405, 'READ_ONLY_REQUEST', state, message, null, attempts);
  if (state.startsWith('22')) return new ApiError(400, 'INVALID_INPUT', state, message, hint, attempts);
  if (state.startsWith('23')) return new ApiError(409, 'CONFLICT', state, message, null, attempts);
  if (!state || ['53', '57', '08'].includes(state.slice(0, 2))) { // resources, cancel/shutdown, connection
    return new ApiError(503, kobatelaCode || 'UNAVAILABLE', state || null, message,
                        'Try again later with the same idempotency key.', attempts);
  }
  return new ApiError(500, kobatelaCode || 'INTERNAL_ERROR', state, message, null, attempts);
}

// What a request's body gets: queries inside the request's transaction.
class Transaction {
  constructor(client, afterFirstCall) {
    this.client = client;
    this.afterFirstCall = afterFirstCall;
  }

  async all(text, params = []) {
    const result = await this.client.query({ text, values: params, rowMode: 'array' });
    if (this.afterFirstCall) {
      const hook = this.afterFirstCall;
      this.afterFirstCall = null;
      await hook(this.client);
    }
    return result.rows;
  }

  async one(text, params = []) {
    const rows = await this.all(text, params);
    return rows.length ? rows[0] : null;
  }

  async value(text, params = []) {
    const row = await this.one(text, params);
    return row ? row[0] : null;
  }
}

// The connection failed (the server went away, the network): the request's outcome may be unknown.
const isConnectionError = (error) =>
  (typeof error.code === 'string' && /^E[A-Z]+$/.test(error.code)) || /^Connection terminated/.test(error.message);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Runs requests on one connection, one transaction each, one request at a time (a pg.Client is one
// session: give each concurrent request its own, e.g. from a pg.Pool).
class RequestHandler {
  constructor(client, { maxAttempts = 5, baseDelayMs = 20, maxDelayMs = 1000, log = () => {}, afterFirstCall = null } = {}) {
    this.client = client;
    this.maxAttempts = maxAttempts;
    this.baseDelayMs = baseDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.log = log;
    this.afterFirstCall = afterFirstCall; // a test hook, run in the first attempt only
  }

  // Exponential, capped, with jitter: concurrent losers do not collide again in step.
  backoff(attempt) {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  // body(tx) makes the request's calls and returns its result; it runs again on a retry, so it
  // must do nothing but database calls (keep side effects for after run resolves).
  async run(apiKey, body, { readOnly = false, isolation = null } = {}) {
    let begin = 'BEGIN';
    if (isolation) begin += ` ISOLATION LEVEL ${ISOLATION_LEVELS[isolation]}`;
    if (readOnly) begin += ' READ ONLY';
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.query(begin);
        await this.client.query('SELECT kobatela.authenticate($1)', [apiKey]);
        const value = await body(new Transaction(this.client, attempt === 1 ? this.afterFirstCall : null));
        await this.client.query('COMMIT');
        return { value, attempts: attempt };
      } catch (error) {
        await this.rollback();
        const state = error.code;
        if (state in RETRYABLE_SQLSTATES && attempt < this.maxAttempts) {
          const delay = this.backoff(attempt);
          this.log(`attempt ${attempt} failed with ${state} (${RETRYABLE_SQLSTATES[state]}), retrying in ${Math.round(delay)} ms`);
          await sleep(delay);
          continue;
        }
        if (error instanceof pg.DatabaseError || isConnectionError(error)) throw apiError(error, attempt);
        throw error; // a bug in the request's body: not the database's answer
      }
    }
  }

  async rollback() {
    try {
      await this.client.query('ROLLBACK');
    } catch (e) {
      // the connection is gone; the server rolled the transaction back
    }
  }
}

async function connect(dsn = '', role = null) {
  const client = new pg.Client(dsn ? { connectionString: dsn } : {});
  // A connection lost between queries is reported here; the next query then fails, and is mapped.
  client.on('error', () => {});
  await client.connect();
  if (role) await client.query(`SET ROLE ${client.escapeIdentifier(role)}`);
  return client;
}

// Test hook: wait for advisory lock lockId, which the test holds while it commits a conflicting
// write from another session.
function rendezvousHook(lockId) {
  return (client) => client.query('SELECT pg_advisory_xact_lock($1)', [lockId]);
}

// ---------------------------------------------------------------------------------------------------
// The demo part: a short story, the deliberate mistakes, one keyed spend.
// ---------------------------------------------------------------------------------------------------

// node-postgres returns bigint as text; Kobatela's ids stay far below 2^53.
const id = (value) => (value === null ? null : Number(value));

// One JSON line per request: what the application would answer.
function emit(request, outcome, error, result = {}) {
  const line = error
    ? { request, ...error.asObject() }
    : { request, status: 200, attempts: outcome.attempts, result };
  console.log(JSON.stringify(line));
  return line;
}

async function register(handler, key, run) {
  const outcome = await handler.run(key, async (tx) => {
    const client = await tx.value('SELECT id FROM kobatela.create_user($1, $2)', [`${run}_amara`, `${run}_amara@example.fr`]);
    const provider = await tx.value('SELECT id FROM kobatela.create_user($1, $2)', [`${run}_kofi`, `${run}_kofi@example.ci`]);
    return [id(client), id(provider)];
  });
  const [client, provider] = outcome.value;
  emit('register', outcome, null, { client_id: client, provider_id: provider });
  return [client, provider];
}

// An escrow created and funded under idempotency keys: running it again returns the same escrow and
// writes nothing (the same terms, the deadline included, must be sent again).
async function createAndFund(handler, key, run, client, provider, deadline, request = 'create_and_fund') {
  const outcome = await handler.run(key, async (tx) => {
    const escrow = id(await tx.value(
      "SELECT id FROM kobatela.create_escrow($1, $2, 300, 'EUR', '{}', $3, $4, $5)",
      [client, provider, deadline, `${run}-escrow`, JSON.stringify({ order: run })]));
    const [status, deposited] = await tx.one(
      'SELECT status::text, deposited_amount::text FROM kobatela.escrow_deposit($1, 300, $2)', [escrow, `${run}-deposit`]);
    const deposits = await tx.value("SELECT jsonb_array_length(kobatela.list_deposits(escrow_id => $1)->'data')", [escrow]);
    return { escrow, status, deposited, deposits };
  });
  const { escrow, status, deposited, deposits } = outcome.value;
  emit(request, outcome, null, { escrow_id: escrow, status, deposited, deposits });
  return escrow;
}

async function allowPayee(handler, key, escrow) {
  const outcome = await handler.run(key, (tx) => tx.value(
    "SELECT payee_ref FROM kobatela.add_allowed_payee($1, 'clinic', 'Clinique du Plateau')", [escrow]));
  emit('allow_payee', outcome, null, { payee_ref: outcome.value });
}

// A spend: the escrow's balance read first (what the application shows), then the payment.
async function spend(handler, key, escrow, payee, amount, idempotencyKey, isolation = null, request = 'spend') {
  let outcome;
  try {
    outcome = await handler.run(key, async (tx) => {
      await tx.value('SELECT deposited_amount - paid_amount - refunded_amount - to_repay_amount ' +
                     'FROM kobatela.get_escrow($1)', [escrow]);
      return tx.one('SELECT id, status::text, amount::text FROM kobatela.spend($1, $2, $3, $4, $5)',
                    [escrow, payee, amount, 'consultation', idempotencyKey]);
    }, { isolation });
  } catch (error) {
    if (error instanceof ApiError) return emit(request, null, error);
    throw error;
  }
  const [payment, status, paid] = outcome.value;
  return emit(request, outcome, null, { payment_id: id(payment), status, amount: paid });
}

// A read: a READ ONLY transaction (PostgREST's GET), which writes nothing, not even the key's use.
async function listPage(handler, key, escrow) {
  const outcome = await handler.run(key, async (tx) => {
    const escrows = await tx.value('SELECT kobatela.list_escrows("limit" => 2)');
    // The amounts as text, read in SQL: a JSON number would lose its trailing zeros.
    const payments = await tx.all("SELECT p->>'status', p->>'amount' FROM jsonb_array_elements(" +
                                  'kobatela.list_payments(escrow_id => $1, "limit" => 10)->\'data\') p', [escrow]);
    return { escrows, payments };
  }, { readOnly: true });
  const { escrows, payments } = outcome.value;
  emit('list_page', outcome, null, { escrows: escrows.data.length, escrows_has_more: escrows.has_more,
                                     payments: payments.map(([status, amount]) => `${status} ${amount}`) });
}

// Deliberate mistakes, each mapped to what the application answers; none writes anything.
async function mistakes(handler, key, escrow) {
  const requests = [
    ['bad_amount', key, "SELECT kobatela.spend($1, 'clinic', 10.005, NULL, NULL)", [escrow]],
    ['insufficient_funds', key, "SELECT kobatela.spend($1, 'clinic', 1000, NULL, NULL)", [escrow]],
    ['unknown_escrow', key, 'SELECT kobatela.get_escrow($1)', [escrow + 1000000]],
    // A key that is not one: nothing about the key is printed, only the answer.
    ['bad_key', 'koba_000000.not-a-valid-key-not-a-valid-key-not-a-valid-key', 'SELECT kobatela.get_escrow($1)', [escrow]],
  ];
  for (const [request, apiKey, text, params] of requests) {
    try {
      const outcome = await handler.run(apiKey, (tx) => tx.value(text, params));
      emit(request, outcome, null, { unexpected: String(outcome.value) });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      emit(request, null, error);
    }
  }
}

// A deadline computed once by the application (a retry must send the same one).
function deadlineIn(days) {
  const day = new Date(Date.now() + days * 86400000);
  return `${day.toISOString().slice(0, 10)}T00:00:00Z`;
}

const log = (message) => console.error(`node_client: ${message}`);

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const options = {};
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith('--') || rest[i + 1] === undefined) throw new Error(`bad argument ${rest[i]}`);
    options[rest[i].slice(2)] = rest[i + 1];
  }
  return { command, options };
}

const USAGE = `usage: node_client.js story [--run NAME]
       node_client.js errors --escrow ID
       node_client.js spend --escrow ID --payee REF --amount AMOUNT --idempotency-key KEY [--isolation ${Object.keys(ISOLATION_LEVELS).join('|')}]`;

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(USAGE);
    return 2;
  }
  const { command, options } = args;
  const need = (...names) => names.every((n) => options[n] !== undefined);
  if (!(command === 'story' || (command === 'errors' && need('escrow')) ||
        (command === 'spend' && need('escrow', 'payee', 'amount', 'idempotency-key'))) ||
      (options.isolation && !(options.isolation in ISOLATION_LEVELS))) {
    console.error(USAGE);
    return 2;
  }
  const key = process.env.KOBATELA_API_KEY;
  if (!key) {
    console.error('node_client: KOBATELA_API_KEY must hold an API key of scope sender');
    return 1;
  }
  const rendezvous = process.env.KOBATELA_CLIENT_RENDEZVOUS;
  const client = await connect(process.env.KOBATELA_DSN || '', process.env.KOBATELA_ROLE || null);
  const handler = new RequestHandler(client, { log, afterFirstCall: rendezvous ? rendezvousHook(Number(rendezvous)) : null });
  process.exitCode = 1; // until the command has answered: Node may exit while end() waits on a lost connection
  try {
    if (command === 'story') {
      const run = options.run || `js${Math.floor(Date.now() / 1000)}`;
      const [clientId, providerId] = await register(handler, key, run);
      const deadline = deadlineIn(30);
      const escrow = await createAndFund(handler, key, run, clientId, providerId, deadline);
      await createAndFund(handler, key, run, clientId, providerId, deadline, 'create_and_fund_again');
      await allowPayee(handler, key, escrow);
      await spend(handler, key, escrow, 'clinic', '40.00', `${run}-spend-1`);
      await spend(handler, key, escrow, 'clinic', '40.00', `${run}-spend-1`, null, 'spend_again');
      await listPage(handler, key, escrow);
      await mistakes(handler, key, escrow);
      return 0;
    }
    if (command === 'errors') {
      await mistakes(handler, key, Number(options.escrow));
      return 0;
    }
    const line = await spend(handler, key, Number(options.escrow), options.payee, options.amount,
                             options['idempotency-key'], options.isolation || null);
    return line.status === 200 ? 0 : 1;
  } finally {
    client.end().catch(() => {});
  }
}

if (require.main === module) {
  main().then((code) => { process.exitCode = code; }, (error) => {
    console.error(`node_client: ${error instanceof ApiError ? error.message : error.stack}`);
    process.exitCode = 1;
  });
}

module.exports = { ApiError, apiError, RequestHandler, Transaction, RETRYABLE_SQLSTATES, connect };
