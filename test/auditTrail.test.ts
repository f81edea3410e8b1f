import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditTrail, type ChainCheck } from '../src/audit/auditTrail.js';
import { eventRepository, type EventRow } from '../src/storage/db/eventRepository.js';
import { migrate } from '../src/storage/db/migrate.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
  await migrate(database.db);
});
afterAll(() => database?.drop());

describe('the audit chain is keyed by the master key', () => {
  it('verifies with its own key, and a chain written with another key does not pass as genuine', async () => {
    const ctx = { actor: { type: 'system' as const, id: 'test' } };
    const genuine = createAuditTrail(Buffer.alloc(32, 1));
    const forger = createAuditTrail(Buffer.alloc(32, 2));
    for (const trail of [genuine, forger]) {
      const chain = trail === genuine ? 'keyed-a' : 'keyed-b';
      for (let i = 0; i < 3; i++) {
        await database.db.transaction((tx) => trail.append(tx, { contractId: chain, type: 'document.downloaded', ctx, at: new Date(), data: { i } }));
      }
    }
    const a = await eventRepository.chain(database.db, 'keyed-a');
    const b = await eventRepository.chain(database.db, 'keyed-b');
    expect(genuine.verify(a)).toEqual({ valid: true });
    // Someone who rewrites the table without the key can make a self-consistent chain, but not ours.
    expect(forger.verify(b)).toEqual({ valid: true });
    expect(genuine.verify(b)).toEqual({ valid: false, brokenAt: { seq: 1, id: b[0].id, problem: 'hash_mismatch' } });
  });
});

describe('the chain shows every edit of a stored event', () => {
  // An attacker with write access to the database but not the master key: the append-only trigger is
  // switched off for the edit, as the table's owner could.
  const ctx = { actor: { type: 'signer' as const, id: 'signer-1' }, ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (Linux; Android 14) WeChat' };
  const trail = createAuditTrail(Buffer.alloc(32, 7));
  let chains = 0;

  async function chainOfFour(): Promise<{ chain: string; events: EventRow[] }> {
    const chain = `tamper-${++chains}`;
    for (let i = 1; i <= 4; i++) {
      await database.db.transaction((tx) =>
        trail.append(tx, {
          contractId: chain, type: 'document.downloaded', ctx, at: new Date(Date.UTC(2026, 8, 30, 2, 0, i)),
          document: { version: i, sha256: String(i).repeat(64) }, data: { copy: i },
        }),
      );
    }
    const events = await eventRepository.chain(database.db, chain);
    expect(trail.verify(events)).toEqual({ valid: true });
    return { chain, events };
  }

  async function asAttacker(sql: string[], params: unknown[]): Promise<void> {
    await database.db.query('ALTER TABLE contract_events DISABLE TRIGGER contract_events_no_update');
    try {
      for (const statement of sql) await database.db.query(statement, params);
    } finally {
      await database.db.query('ALTER TABLE contract_events ENABLE TRIGGER contract_events_no_update');
    }
  }

  const second = 'WHERE contract_id = $1 AND seq = 2';
  type Broken = NonNullable<ChainCheck['brokenAt']>;
  const cases: Array<{ edit: string; sql: string | string[]; params?: unknown[]; expect: (e: EventRow[]) => Broken; chain?: (c: string) => string }> = [
    { edit: 'id', sql: `UPDATE contract_events SET id = id || '-x' ${second}`, expect: (e) => ({ seq: 2, id: `${e[1].id}-x`, problem: 'hash_mismatch' }) },
    // The whole chain relabelled as another contract's: every event's hash names its contract.
    { edit: 'contract_id', sql: `UPDATE contract_events SET contract_id = $1 || '-moved' WHERE contract_id = $1`, chain: (c) => `${c}-moved`, expect: (e) => ({ seq: 1, id: e[0].id, problem: 'hash_mismatch' }) },
    { edit: 'seq', sql: `UPDATE contract_events SET seq = 5 ${second}`, expect: (e) => ({ seq: 3, id: e[2].id, problem: 'sequence_gap' }) },
    { edit: 'type', sql: `UPDATE contract_events SET type = 'document.verified' ${second}`, expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    { edit: 'at', sql: `UPDATE contract_events SET at = at + interval '1 second' ${second}`, expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    { edit: 'actor_type', sql: `UPDATE contract_events SET actor_type = 'system' ${second}`, expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    { edit: 'actor_id', sql: `UPDATE contract_events SET actor_id = 'signer-2' ${second}`, expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    { edit: 'ip', sql: `UPDATE contract_events SET ip = '198.51.100.9' ${second}`, expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    { edit: 'ip erased', sql: `UPDATE contract_events SET ip = NULL ${second}`, expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    { edit: 'user_agent', sql: `UPDATE contract_events SET user_agent = 'curl/8.5.0' ${second}`, expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    { edit: 'document_version', sql: `UPDATE contract_events SET document_version = 3 ${second}`, expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    { edit: 'document_sha256', sql: `UPDATE contract_events SET document_sha256 = $2 ${second}`, params: ['3'.repeat(64)], expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    { edit: 'data', sql: `UPDATE contract_events SET data = '{"copy": 3}' ${second}`, expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    { edit: 'prev_hash', sql: `UPDATE contract_events SET prev_hash = $2 ${second}`, params: ['0'.repeat(64)], expect: (e) => ({ seq: 2, id: e[1].id, problem: 'link_mismatch' }) },
    { edit: 'hash', sql: `UPDATE contract_events SET hash = $2 ${second}`, params: ['f'.repeat(64)], expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    // The next event's link rewritten to match: the edited event's own hash still gives it away.
    { edit: 'hash and the next link', sql: `UPDATE contract_events SET hash = CASE seq WHEN 2 THEN $2 ELSE hash END, prev_hash = CASE seq WHEN 3 THEN $2 ELSE prev_hash END WHERE contract_id = $1 AND seq IN (2, 3)`, params: ['f'.repeat(64)], expect: (e) => ({ seq: 2, id: e[1].id, problem: 'hash_mismatch' }) },
    { edit: 'a deleted event', sql: `DELETE FROM contract_events ${second}`, expect: (e) => ({ seq: 3, id: e[2].id, problem: 'sequence_gap' }) },
    { edit: 'the first event deleted', sql: 'DELETE FROM contract_events WHERE contract_id = $1 AND seq = 1', expect: (e) => ({ seq: 2, id: e[1].id, problem: 'sequence_gap' }) },
    // Two events swapped: the one now second still links to the one it followed.
    {
      edit: 'two events reordered',
      sql: ['UPDATE contract_events SET seq = -2 WHERE contract_id = $1 AND seq = 2', 'UPDATE contract_events SET seq = 2 WHERE contract_id = $1 AND seq = 3', 'UPDATE contract_events SET seq = 3 WHERE contract_id = $1 AND seq = -2'],
      expect: (e) => ({ seq: 2, id: e[2].id, problem: 'link_mismatch' }) },
  ];

  it.each(cases)('$edit', async (c) => {
    const { chain, events } = await chainOfFour();
    await asAttacker([c.sql].flat(), [chain, ...(c.params ?? [])]);
    const tampered = await eventRepository.chain(database.db, c.chain?.(chain) ?? chain);
    expect(trail.verify(tampered)).toEqual({ valid: false, brokenAt: c.expect(events) });
  });

  it('every column of the table has a case above, so a new column cannot be left out', async () => {
    const res = await database.db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'contract_events' ORDER BY ordinal_position`,
    );
    const edited = new Set(cases.map((c) => c.edit));
    expect(res.rows.length).toBe(14);
    expect(res.rows.map((r) => r.column_name).filter((col) => !edited.has(col))).toEqual([]);
  });

  it('without switching the trigger off, an update or delete is refused', async () => {
    const { chain, events } = await chainOfFour();
    await expect(database.db.query(`UPDATE contract_events SET data = '{}' ${second}`, [chain])).rejects.toThrow('contract_events is append-only: UPDATE is not allowed');
    await expect(database.db.query(`DELETE FROM contract_events ${second}`, [chain])).rejects.toThrow('contract_events is append-only: DELETE is not allowed');
    expect(await eventRepository.chain(database.db, chain)).toEqual(events);
  });
});
