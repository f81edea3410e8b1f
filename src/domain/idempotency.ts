import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../storage/db/database.js';
import { idempotencyRepository } from '../storage/db/idempotencyRepository.js';
import { canonicalJson } from './canonicalJson.js';
import { DomainError } from './errors.js';
import type { RequestContext } from './requestContext.js';

export interface IdempotencyContext {
  principal: string;
  key: string;
  operation: string;
  requestHash: string;
}

export function requestHash(operation: string, body: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(canonicalJson(body)).digest('hex');
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function validateIdempotencyKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new DomainError('invalid', 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
}

/** The resource an earlier call with this key produced, or undefined when the key is new. */
export async function replayedResource(db: Queryable, ctx: IdempotencyContext): Promise<string | undefined> {
  const rec = await idempotencyRepository.find(db, ctx.principal, ctx.key);
  if (!rec) return undefined;
  if (rec.operation !== ctx.operation || rec.request_hash !== ctx.requestHash) {
    throw new DomainError(
      'conflict',
      'idempotency_key_reused',
      'This Idempotency-Key was already used with a different request; use a new key for a different request',
    );
  }
  return rec.resource_id;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

/**
 * Runs a state change in a transaction that also records the idempotency key. When a concurrent
 * call with the same key commits first, this one rolls back and returns that call's resource.
 */
export async function runIdempotent(
  db: Database,
  ctx: IdempotencyContext | undefined,
  resourceId: string,
  change: (tx: Queryable) => Promise<void>,
): Promise<{ resourceId: string; replayed: boolean }> {
  try {
    await db.transaction(async (tx) => {
      await change(tx);
      if (ctx) {
        await idempotencyRepository.insert(tx, ctx.principal, ctx.key, {
          operation: ctx.operation,
          request_hash: ctx.requestHash,
          resource_id: resourceId,
        });
      }
    });
    return { resourceId, replayed: false };
  } catch (err) {
    if (ctx && isUniqueViolation(err)) {
      const earlier = await replayedResource(db, ctx);
      if (earlier) return { resourceId: earlier, replayed: true };
    }
    throw err;
  }
}

/**
 * Idempotency for actions on an existing resource (sign, void, decline): a repeated key with the same
 * request returns the resource as it is now instead of acting twice; the domain's own guards
 * (already signed, not open) make a concurrent duplicate fail safely before the key is recorded.
 */
export async function idempotentAction<T>(
  db: Database,
  ctx: { principal: string; key?: string; operation: string; body: unknown },
  act: (commit?: RequestContext['commit']) => Promise<{ resourceId: string; result: T }>,
  replay: (resourceId: string) => Promise<T>,
): Promise<T> {
  if (ctx.key === undefined) return (await act()).result;
  validateIdempotencyKey(ctx.key);
  const idem = { principal: ctx.principal, key: ctx.key, operation: ctx.operation, requestHash: requestHash(ctx.operation, ctx.body ?? null) };
  const earlier = await replayedResource(db, idem);
  if (earlier) return replay(earlier);
  // Actions that can, record the key inside their own transaction; the others get it recorded after.
  let recorded = false;
  const commit = async (tx: Queryable, resourceId: string) => {
    await idempotencyRepository.insert(tx, idem.principal, idem.key, { operation: idem.operation, request_hash: idem.requestHash, resource_id: resourceId });
    recorded = true;
  };
  let outcome: { resourceId: string; result: T };
  try {
    outcome = await act(commit);
  } catch (err) {
    // A twin with the same key may have won the race and acted (and recorded the key) first: answer as it did.
    if ((err instanceof DomainError && err.kind === 'conflict') || isUniqueViolation(err)) {
      const winner = await replayedResource(db, idem);
      if (winner) return replay(winner);
    }
    throw err;
  }
  const { resourceId, result } = outcome;
  if (recorded) return result;
  try {
    await db.transaction((tx) =>
      idempotencyRepository.insert(tx, idem.principal, idem.key, { operation: idem.operation, request_hash: idem.requestHash, resource_id: resourceId }),
    );
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  return result;
}
