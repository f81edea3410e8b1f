import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Queryable } from '../src/storage/db/database.js';
import { eventRepository, type EventRow } from '../src/storage/db/eventRepository.js';
import { migrate } from '../src/storage/db/migrate.js';
import { createAuditTrail, eventView, type AuditTrail, type NewEvent } from '../src/audit/auditTrail.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
  await migrate(database.db);
});
afterAll(() => database?.drop());

const masterKey = Buffer.alloc(32, 9);
// Made per test, not at import: a key derivation that throws must fail the tests, not the file's collection.
let trail: AuditTrail;
beforeEach(() => {
  trail = createAuditTrail(masterKey);
});
const GENESIS = '0'.repeat(64);
const signer = { actor: { type: 'signer' as const, id: 'signer-1' }, ip: '203.0.113.7', userAgent: 'Mozilla/5.0' };
let chains = 0;
const newChain = () => `unit-${++chains}`;

/** What a chain statement did, in order: which lock or head read for which chain, which seq inserted. */
function recording(tx: Queryable): { tx: Queryable; log: Array<[string, unknown]> } {
  const log: Array<[string, unknown]> = [];
  const wrapped: Queryable = {
    query(sql, params) {
      if (sql.includes('pg_advisory_xact_lock')) log.push(['lock', params?.[0]]);
      else if (sql.includes('ORDER BY seq DESC')) log.push(['head', params?.[0]]);
      else if (sql.includes('INSERT INTO contract_events')) log.push(['insert', params?.[2]]);
      else log.push([sql, params]);
      return tx.query(sql, params);
    },
    exec: (sql) => tx.exec(sql),
  };
  return { tx: wrapped, log };
}

describe('append', () => {
  it('stores every field of the event as given, starts the chain at the all-zero genesis and links the next to it', async () => {
    const chain = newChain();
    const at = new Date(Date.UTC(2026, 2, 4, 8, 30, 0, 123));
    const first = await database.db.transaction((tx) =>
      trail.append(tx, { contractId: chain, type: 'signer.signed', ctx: signer, at, document: { version: 2, sha256: 'ab'.repeat(32) }, data: { field: '户号', n: 1 } }),
    );
    const second = await database.db.transaction((tx) => trail.append(tx, { contractId: chain, type: 'signer.viewed', ctx: { actor: { type: 'system', id: 'cron' } }, at }));
    const stored = await eventRepository.chain(database.db, chain);
    expect(stored).toEqual([
      {
        id: first.id, contract_id: chain, seq: 1, type: 'signer.signed', at, actor_type: 'signer', actor_id: 'signer-1', ip: '203.0.113.7',
        user_agent: 'Mozilla/5.0', document_version: 2, document_sha256: 'ab'.repeat(32), data: { field: '户号', n: 1 }, prev_hash: GENESIS, hash: first.hash,
      },
      {
        // No ip, user agent, document or data: stored as NULL and {}, and hashed as such.
        id: second.id, contract_id: chain, seq: 2, type: 'signer.viewed', at, actor_type: 'system', actor_id: 'cron', ip: null,
        user_agent: null, document_version: null, document_sha256: null, data: {}, prev_hash: first.hash, hash: second.hash,
      },
    ]);
    expect([first, second]).toEqual(stored);
    expect(trail.verify(stored)).toEqual({ valid: true });
  });

  it('keeps the first 300 characters of a longer user agent', async () => {
    const chain = newChain();
    const ua = `${'a'.repeat(299)}bcd`;
    const e = await database.db.transaction((tx) => trail.append(tx, { contractId: chain, type: 'signer.viewed', ctx: { ...signer, userAgent: ua }, at: new Date() }));
    expect(e.user_agent).toBe(`${'a'.repeat(299)}b`);
    expect(trail.verify(await eventRepository.chain(database.db, chain))).toEqual({ valid: true });
  });

  it('refuses to append outside a transaction, where the chain lock would end with the statement', async () => {
    const chain = newChain();
    const e: NewEvent = { contractId: chain, type: 'signer.viewed', ctx: signer, at: new Date() };
    await expect(trail.append(database.db, e)).rejects.toThrow(new Error('audit events are appended inside a transaction'));
    await expect(trail.lock(database.db, chain)).rejects.toThrow(new Error('audit events are appended inside a transaction'));
    expect(await eventRepository.chain(database.db, chain)).toEqual([]);
  });

  it('in one transaction: lock once and read the head once, then each append continues from the one before', async () => {
    const chain = newChain();
    const other = newChain();
    const log = await database.db.transaction(async (raw) => {
      const { tx, log } = recording(raw);
      await trail.lock(tx, chain);
      for (const c of [chain, chain, other, chain]) await trail.append(tx, { contractId: c, type: 'document.downloaded', ctx: signer, at: new Date() });
      return log;
    });
    expect(log).toEqual([['lock', chain], ['head', chain], ['insert', 1], ['insert', 2], ['lock', other], ['head', other], ['insert', 1], ['insert', 3]]);
    const events = await eventRepository.chain(database.db, chain);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(trail.verify(events)).toEqual({ valid: true });
  });

  it('a new transaction reads the head again: what the last one remembered is no longer under its lock', async () => {
    const chain = newChain();
    await database.db.transaction((tx) => trail.append(tx, { contractId: chain, type: 'document.downloaded', ctx: signer, at: new Date() }));
    const log = await database.db.transaction(async (raw) => {
      const { tx, log } = recording(raw);
      await trail.append(tx, { contractId: chain, type: 'document.downloaded', ctx: signer, at: new Date() });
      return log;
    });
    expect(log).toEqual([['lock', chain], ['head', chain], ['insert', 2]]);
  });

  it('events of no contract (system events) go to the chain named by the empty string', async () => {
    // The only test on the '' chain, so its seq numbers are known whatever the order tests run in.
    const { log, events } = await database.db.transaction(async (raw) => {
      const { tx, log } = recording(raw);
      await trail.lock(tx, null);
      const a = await trail.append(tx, { contractId: null, type: 'certificate.issued', ctx: { actor: { type: 'system', id: 'pki' } }, at: new Date() });
      const b = await trail.append(tx, { contractId: null, type: 'certificate.revoked', ctx: { actor: { type: 'system', id: 'pki' } }, at: new Date() });
      return { log, events: [a, b] };
    });
    expect(log).toEqual([['lock', ''], ['head', ''], ['insert', 1], ['insert', 2]]);
    expect(events.map((e) => [e.contract_id, e.seq, e.type])).toEqual([['', 1, 'certificate.issued'], ['', 2, 'certificate.revoked']]);
    expect(await eventRepository.chain(database.db, '')).toEqual(events);
  });
});

describe('verify', () => {
  // Written once by this code and kept: if the key derivation or the hashed layout changed, every chain
  // already stored would stop verifying.
  const golden: EventRow = {
    id: '6f1c2b1e-0d4e-4c59-9b7a-3c1f5e2d8a90', contract_id: 'c-golden', seq: 1, type: 'signer.signed', at: new Date('2026-03-04T08:30:00.123Z'),
    actor_type: 'signer', actor_id: 'signer-1', ip: '203.0.113.7', user_agent: 'Mozilla/5.0', document_version: 2, document_sha256: 'ab'.repeat(32),
    data: { field: '户号' }, prev_hash: GENESIS, hash: '5336bd92d78248bdbb98d30bd6e1adda529f74ce905e4bb16b693d9f8801ccdf',
  };

  it('a chain stored by an earlier release still verifies under the same master key', () => {
    expect(trail.verify([golden])).toEqual({ valid: true });
    expect(createAuditTrail(Buffer.alloc(32, 8)).verify([golden])).toEqual({ valid: false, brokenAt: { seq: 1, id: golden.id, problem: 'hash_mismatch' } });
  });

  it('an empty chain is valid; a chain that does not start at the genesis is a link mismatch', () => {
    expect(trail.verify([])).toEqual({ valid: true });
    expect(trail.verify([{ ...golden, prev_hash: '' }])).toEqual({ valid: false, brokenAt: { seq: 1, id: golden.id, problem: 'link_mismatch' } });
  });
});

describe('eventView', () => {
  const row: EventRow = {
    id: 'e1', contract_id: 'c1', seq: 3, type: 'signer.signed', at: new Date('2026-03-04T08:30:00.123Z'), actor_type: 'signer', actor_id: 's1',
    ip: '203.0.113.7', user_agent: 'UA', document_version: 2, document_sha256: 'ab'.repeat(32), data: { k: 'v' }, prev_hash: 'p'.repeat(64), hash: 'h'.repeat(64),
  };

  it('shows an event as the API and evidence report give it', () => {
    expect(eventView(row)).toEqual({
      id: 'e1', seq: 3, type: 'signer.signed', at: '2026-03-04T08:30:00.123Z', actor: { type: 'signer', id: 's1' }, ip: '203.0.113.7', userAgent: 'UA',
      document: { version: 2, sha256: 'ab'.repeat(32) }, data: { k: 'v' }, prevHash: 'p'.repeat(64), hash: 'h'.repeat(64),
    });
  });

  it('an event without a document version or without its hash shows no document', () => {
    expect(eventView({ ...row, document_version: null, document_sha256: null }).document).toBe(null);
    expect(eventView({ ...row, document_sha256: null }).document).toBe(null);
    expect(eventView({ ...row, document_version: null }).document).toBe(null);
  });
});
