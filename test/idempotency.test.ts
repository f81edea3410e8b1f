import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/storage/db/migrate.js';
import { DomainError } from '../src/domain/errors.js';
import { idempotentAction, requestHash, runIdempotent, type IdempotencyContext } from '../src/domain/idempotency.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
  await migrate(database.db);
  // What the state changes below do: a row per call that really ran.
  await database.db.query('CREATE TABLE effects (resource_id text NOT NULL)');
});
afterAll(() => database?.drop());

const effects = async () => (await database.db.query<{ resource_id: string }>('SELECT resource_id FROM effects ORDER BY resource_id')).rows.map((r) => r.resource_id);
const reused = { kind: 'conflict', code: 'idempotency_key_reused' };
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: unknown) => (e instanceof DomainError ? { kind: e.kind, code: e.code } : e),
  );

describe('runIdempotent (creating a resource)', () => {
  const ctx = (over: Partial<IdempotencyContext> = {}): IdempotencyContext => ({
    principal: 'key_a', key: 'create-1', operation: 'things.create', requestHash: requestHash('things.create', { name: 'x' }), ...over,
  });
  const create = (c: IdempotencyContext, id: string) => runIdempotent(database.db, c, id, async (tx) => {
    await tx.query('INSERT INTO effects (resource_id) VALUES ($1)', [id]);
  });

  it('the same key and request again: the first resource, and the second change rolled back', async () => {
    await database.db.query('DELETE FROM effects');
    expect(await create(ctx(), 'r1')).toEqual({ resourceId: 'r1', replayed: false });
    expect(await create(ctx(), 'r2')).toEqual({ resourceId: 'r1', replayed: true });
    expect(await effects()).toEqual(['r1']);
  });

  it('the same key with another body or another operation: 409 idempotency_key_reused, nothing done', async () => {
    await database.db.query('DELETE FROM effects');
    const key = { key: 'create-2' };
    await create(ctx(key), 'r1');
    expect(await refusal(create(ctx({ ...key, requestHash: requestHash('things.create', { name: 'y' }) }), 'r2'))).toEqual(reused);
    expect(await refusal(create(ctx({ ...key, operation: 'things.other', requestHash: requestHash('things.other', { name: 'x' }) }), 'r3'))).toEqual(reused);
    expect(await effects()).toEqual(['r1']);
  });

  it('the same key from another principal is a new request, not a replay', async () => {
    await database.db.query('DELETE FROM effects');
    const key = { key: 'create-3' };
    expect(await create(ctx({ ...key, principal: 'key_a' }), 'r1')).toEqual({ resourceId: 'r1', replayed: false });
    expect(await create(ctx({ ...key, principal: 'key_b' }), 'r2')).toEqual({ resourceId: 'r2', replayed: false });
    expect(await effects()).toEqual(['r1', 'r2']);
  });
});

describe('idempotentAction (acting on an existing resource)', () => {
  let acted = 0;
  const act = (principal: string, key: string | undefined, body: unknown, operation = 'things.void:t1') =>
    idempotentAction(
      database.db,
      { principal, key, operation, body },
      async () => {
        acted++;
        return { resourceId: 't1', result: `acted ${acted}` };
      },
      async (resourceId) => `replayed ${resourceId}`,
    );

  it('acts once per key and request, replays the repeat, and tells a different body or operation apart', async () => {
    acted = 0;
    expect(await act('key_a', 'void-1', { reason: '重复申请' })).toBe('acted 1');
    expect(await act('key_a', 'void-1', { reason: '重复申请' })).toBe('replayed t1');
    expect(await refusal(act('key_a', 'void-1', { reason: '地址有误' }))).toEqual(reused);
    expect(await refusal(act('key_a', 'void-1', { reason: '重复申请' }, 'things.sign:t1'))).toEqual(reused);
    expect(acted).toBe(1);
  });

  it('compares bodies canonically: the same members in another order are the same request', async () => {
    acted = 0;
    expect(await act('key_a', 'void-2', { reason: 'r', note: { a: 1, b: 2 } })).toBe('acted 1');
    expect(await act('key_a', 'void-2', { note: { b: 2, a: 1 }, reason: 'r' })).toBe('replayed t1');
    expect(acted).toBe(1);
  });

  it('the same key from another principal acts again', async () => {
    acted = 0;
    expect(await act('link:aaa', 'void-3', {})).toBe('acted 1');
    expect(await act('link:bbb', 'void-3', {})).toBe('acted 2');
    expect(await act('link:aaa', 'void-3', {})).toBe('replayed t1');
    expect(acted).toBe(2);
  });

  it('without a key acts every time; a key that is not 1-255 printable ASCII is 400 invalid_idempotency_key', async () => {
    acted = 0;
    expect([await act('key_a', undefined, {}), await act('key_a', undefined, {})]).toEqual(['acted 1', 'acted 2']);
    const invalid = { kind: 'invalid', code: 'invalid_idempotency_key' };
    for (const key of ['', 'with space', 'x'.repeat(256), 'schlüssel']) expect(await refusal(act('key_a', key, {})), JSON.stringify(key)).toEqual(invalid);
    expect(await act('key_a', 'x'.repeat(255), {})).toBe('acted 3');
    expect(acted).toBe(3);
  });
});
