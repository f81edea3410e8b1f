import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../storage/db/database.js';
import { idempotencyRepository } from '../storage/db/idempotencyRepository.js';
import { DomainError } from './errors.js';

export interface IdempotencyContext {
  principal: string;
  key: string;
  operation: string;
  requestHash: string;
}

/** JSON with object keys sorted, so the same body always hashes the same whatever its key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
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
