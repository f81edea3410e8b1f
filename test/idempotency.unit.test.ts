import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/storage/db/database.js';
import { idempotencyRepository } from '../src/storage/db/idempotencyRepository.js';
import { migrate } from '../src/storage/db/migrate.js';
import { DomainError } from '../src/domain/errors.js';
import { idempotentAction, replayedResource, requestHash, runIdempotent, validateIdempotencyKey } from '../src/domain/idempotency.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
  await migrate(database.db);
  await database.db.query('CREATE TABLE unit_effects (resource_id text PRIMARY KEY)');
});
afterAll(() => database?.drop());

let keys = 0;
const newKey = () => `unit-${++keys}`;
const outcome = (p: Promise<unknown>) =>
  p.then(
    (v) => ({ ok: v }),
    (e: unknown) => (e instanceof DomainError ? { kind: e.kind, code: e.code, message: e.message } : { error: (e as Error).message, code: (e as { code?: string }).code }),
  );
const effectsOf = async (id: string) => (await database.db.query('SELECT resource_id FROM unit_effects WHERE resource_id = $1', [id])).rowCount;
const keyRow = async (principal: string, key: string) => (await database.db.query('SELECT operation, request_hash, resource_id FROM idempotency_keys WHERE principal = $1 AND key = $2', [principal, key])).rows;
/** The database as it is when the connection drops between the action and recording its key. */
const downForTransactions = (): Database => ({ ...database.db, transaction: () => Promise.reject(new Error('Connection terminated unexpectedly')) });
const reusedMessage = 'This Idempotency-Key was already used with a different request; use a new key for a different request';

describe('requestHash', () => {
  it('is the SHA-256 of the operation, a newline and the canonical body, as stored with every key', () => {
    // Stored hashes outlive a release: a changed formula would turn every retry after a deploy into a 409.
    expect(requestHash('things.void:t1', { reason: 'r', note: [1, '二'] })).toBe('c0000a3041b2a2665a91ecc89423127edbbd9964dc348049d7bb5ca2f1901988');
  });

  it('the operation and body cannot run into each other: "op:1" with 2 is not "op:" with 12', async () => {
    const key = newKey();
    const act = (operation: string, body: unknown) =>
      idempotentAction(database.db, { principal: 'p', key, operation, body }, async () => ({ resourceId: 't1', result: 'acted' }), async () => 'replayed');
    expect(await outcome(act('things.void:1', 2))).toEqual({ ok: 'acted' });
    expect(await outcome(act('things.void:', 12))).toEqual({ kind: 'conflict', code: 'idempotency_key_reused', message: reusedMessage });
  });
});

describe('validateIdempotencyKey', () => {
  it('says what a key must be', () => {
    expect(() => validateIdempotencyKey('a b')).toThrow(new DomainError('invalid', 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 printable ASCII characters'));
    expect(validateIdempotencyKey('!~')).toBe(undefined);
  });
});

describe('replayedResource', () => {
  it('the resource of the earlier call, nothing for a new key, and a 409 that says why for another request', async () => {
    const key = newKey();
    const ctx = { principal: 'p', key, operation: 'things.create', requestHash: requestHash('things.create', { a: 1 }) };
    expect(await replayedResource(database.db, ctx)).toBe(undefined);
    await idempotencyRepository.insert(database.db, 'p', key, { operation: 'things.create', request_hash: ctx.requestHash, resource_id: 'r1' });
    expect(await replayedResource(database.db, ctx)).toBe('r1');
    expect(await outcome(replayedResource(database.db, { ...ctx, requestHash: requestHash('things.create', { a: 2 }) }))).toEqual({ kind: 'conflict', code: 'idempotency_key_reused', message: reusedMessage });
  });

  it('compares the operation itself, not only through the request hash a caller passes', async () => {
    const key = newKey();
    const hash = requestHash('things.create', {});
    await idempotencyRepository.insert(database.db, 'p', key, { operation: 'things.create', request_hash: hash, resource_id: 'r1' });
    expect(await outcome(replayedResource(database.db, { principal: 'p', key, operation: 'things.delete', requestHash: hash }))).toEqual({ kind: 'conflict', code: 'idempotency_key_reused', message: reusedMessage });
  });
});

describe('runIdempotent', () => {
  const insertEffect = (id: string) => async (tx: { query: Database['query'] }) => {
    await tx.query('INSERT INTO unit_effects (resource_id) VALUES ($1)', [id]);
  };

  it('without a key: the change runs and commits, and no key is recorded', async () => {
    const id = newKey();
    expect(await runIdempotent(database.db, undefined, id, insertEffect(id))).toEqual({ resourceId: id, replayed: false });
    expect(await effectsOf(id)).toBe(1);
    expect((await database.db.query('SELECT 1 FROM idempotency_keys WHERE resource_id = $1', [id])).rowCount).toBe(0);
  });

  it('without a key, a failing change reports its own error, a unique violation included', async () => {
    const id = newKey();
    await runIdempotent(database.db, undefined, id, insertEffect(id));
    const fail = new DomainError('conflict', 'name_taken', 'taken');
    expect(await outcome(runIdempotent(database.db, undefined, newKey(), async () => { throw fail; }))).toEqual({ kind: 'conflict', code: 'name_taken', message: 'taken' });
    const dup = await outcome(runIdempotent(database.db, undefined, id, insertEffect(id)));
    expect(dup).toEqual({ error: 'duplicate key value violates unique constraint "unit_effects_pkey"', code: '23505' });
  });

  it('with a key, a unique violation of the change itself (not of the key) is reported, not taken for a replay', async () => {
    const id = newKey();
    await runIdempotent(database.db, undefined, id, insertEffect(id));
    const ctx = { principal: 'p', key: newKey(), operation: 'things.create', requestHash: requestHash('things.create', {}) };
    expect(await outcome(runIdempotent(database.db, ctx, id, insertEffect(id)))).toEqual({ error: 'duplicate key value violates unique constraint "unit_effects_pkey"', code: '23505' });
    expect(await keyRow('p', ctx.key)).toEqual([]);
  });

  it('with a key a twin already recorded, a change that fails for its own reason reports that reason', async () => {
    const ctx = { principal: 'p', key: newKey(), operation: 'things.create', requestHash: requestHash('things.create', {}) };
    await idempotencyRepository.insert(database.db, 'p', ctx.key, { operation: ctx.operation, request_hash: ctx.requestHash, resource_id: 'twin' });
    const fail = new DomainError('invalid', 'bad_field', 'bad');
    expect(await outcome(runIdempotent(database.db, ctx, newKey(), async () => { throw fail; }))).toEqual({ kind: 'invalid', code: 'bad_field', message: 'bad' });
  });
});

describe('idempotentAction races and failures', () => {
  const operation = 'things.sign:t1';
  const body = { code: '123456' };
  const twinRecords = (key: string) => idempotencyRepository.insert(database.db, 'p', key, { operation, request_hash: requestHash(operation, body), resource_id: 't1' });
  const action = (db: Database, key: string, act: Parameters<typeof idempotentAction<string>>[2]) =>
    outcome(idempotentAction(db, { principal: 'p', key, operation, body }, act, async (id) => `replayed ${id}`));

  it('a twin that acted first makes this one fail its guard (conflict): answered as the twin was', async () => {
    const key = newKey();
    const r = await action(database.db, key, async () => {
      await twinRecords(key);
      throw new DomainError('conflict', 'already_signed', 'already signed');
    });
    expect(r).toEqual({ ok: 'replayed t1' });
  });

  it('a twin that recorded the key first makes this one\'s own record fail (unique): answered as the twin was', async () => {
    const key = newKey();
    const r = await action(database.db, key, async (commit) => {
      await twinRecords(key);
      await database.db.transaction((tx) => commit!(tx, 't1'));
      return { resourceId: 't1', result: 'acted' };
    });
    expect(r).toEqual({ ok: 'replayed t1' });
  });

  it('a conflict with no twin behind it, or another failure even with one, is reported as it is', async () => {
    const lone = await action(database.db, newKey(), async () => { throw new DomainError('conflict', 'not_open', 'not open'); });
    expect(lone).toEqual({ kind: 'conflict', code: 'not_open', message: 'not open' });
    const key = newKey();
    const invalid = await action(database.db, key, async () => {
      await twinRecords(key);
      throw new DomainError('invalid', 'bad_code', 'bad code');
    });
    expect(invalid).toEqual({ kind: 'invalid', code: 'bad_code', message: 'bad code' });
  });

  it('the key is recorded in the action\'s own transaction: committed with it, rolled back with it', async () => {
    const kept = newKey();
    const afterCommit = await action(database.db, kept, async (commit) => {
      await database.db.transaction(async (tx) => commit!(tx, 't1'));
      throw new Error('mail server down'); // after the state change committed
    });
    expect(afterCommit).toEqual({ error: 'mail server down', code: undefined });
    expect(await keyRow('p', kept)).toEqual([{ operation, request_hash: requestHash(operation, body), resource_id: 't1' }]);
    expect(await action(database.db, kept, async () => ({ resourceId: 't1', result: 'acted again' }))).toEqual({ ok: 'replayed t1' });

    const dropped = newKey();
    const rolledBack = await action(database.db, dropped, async (commit) =>
      database.db.transaction(async (tx) => {
        await commit!(tx, 't1');
        throw new Error('state change failed');
      }),
    );
    expect(rolledBack).toEqual({ error: 'state change failed', code: undefined });
    expect(await keyRow('p', dropped)).toEqual([]);
  });

  it('a key recorded with the action is not recorded again: the connection dropping afterwards does not turn success into an error', async () => {
    const key = newKey();
    const r = await action(downForTransactions(), key, async (commit) => {
      await database.db.transaction((tx) => commit!(tx, 't1'));
      return { resourceId: 't1', result: 'signed' };
    });
    expect(r).toEqual({ ok: 'signed' });
  });

  it('an action that does not record its key gets it recorded after; a twin having recorded it already is fine', async () => {
    const after = newKey();
    expect(await action(database.db, after, async () => ({ resourceId: 't1', result: 'voided' }))).toEqual({ ok: 'voided' });
    expect(await keyRow('p', after)).toEqual([{ operation, request_hash: requestHash(operation, body), resource_id: 't1' }]);

    const raced = newKey();
    expect(await action(database.db, raced, async () => {
      await twinRecords(raced);
      return { resourceId: 't1', result: 'voided' };
    })).toEqual({ ok: 'voided' });
  });

  it('recording the key after the action failing for another reason is reported, so the caller knows a retry may act again', async () => {
    const r = await action(downForTransactions(), newKey(), async () => ({ resourceId: 't1', result: 'voided' }));
    expect(r).toEqual({ error: 'Connection terminated unexpectedly', code: undefined });
  });

  it('a missing body is hashed as null, so a retry without a body replays', async () => {
    const key = newKey();
    let acted = 0;
    const run = () => outcome(idempotentAction(database.db, { principal: 'p', key, operation, body: undefined }, async () => ({ resourceId: 't1', result: `acted ${++acted}` }), async (id) => `replayed ${id}`));
    expect(await run()).toEqual({ ok: 'acted 1' });
    expect(await run()).toEqual({ ok: 'replayed t1' });
    expect(await keyRow('p', key)).toEqual([{ operation, request_hash: requestHash(operation, null), resource_id: 't1' }]);
  });
});
