import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditTrail } from '../src/workflow/auditTrail.js';
import { eventRepository } from '../src/storage/db/eventRepository.js';
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
    expect(genuine.verify(b)).toMatchObject({ valid: false, brokenAt: { seq: 1, problem: 'hash_mismatch' } });
  });
});
