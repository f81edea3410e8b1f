import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../storage/db/database.js';
import { WEBHOOK_EVENT_TYPES } from '../audit/auditTrail.js';
import { DomainError } from '../domain/errors.js';
import { replayedResource, requestHash, runIdempotent, validateIdempotencyKey, type IdempotencyContext } from '../domain/idempotency.js';
import type { RequestContext } from '../domain/requestContext.js';
import { createSecretBox } from '../domain/secretBox.js';
import { createTargetPolicy, TargetForbiddenError, type TargetPolicy } from './webhookTargets.js';

const httpUrl = z
  .string({ message: 'url must be a string' })
  .max(2000, 'url must be at most 2000 characters')
  .refine((raw) => {
    try {
      const u = new URL(raw);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'url must be an absolute http:// or https:// URL');

const createInput = z.object({
  url: httpUrl,
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES, { message: `each event type must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }), {
      message: 'events must be an array of event types',
    })
    .min(1, 'events must name at least one event type')
    .refine((list) => new Set(list).size === list.length, 'events must not repeat a type'),
  secret: z
    .string({ message: 'secret must be a string' })
    .min(16, 'secret must be at least 16 characters')
    .max(256, 'secret must be at most 256 characters')
    .optional(),
});

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.coerce.number().int().positive().optional(),
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
});

interface WebhookRow {
  id: string;
  url: string;
  event_types: string[];
  secret_sealed: string;
  created_by: string;
  created_at: Date;
}

interface DeliveryRow {
  id: number | string;
  event_id: string;
  event_type: string;
  contract_id: string;
  status: string;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

interface AttemptRow {
  delivery_id: number | string;
  at: Date;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function validationError(err: z.ZodError): DomainError {
  return new DomainError(
    'unprocessable',
    'validation_failed',
    err.issues.map((i) => i.message).join('; '),
    err.issues.map((i) => ({ path: `/${i.path.map(String).join('/')}`, message: i.message })),
  );
}

/** Webhooks carry an organisation's contract events: only its own keys register and see them. */
function organisationOf(ctx: RequestContext): string {
  if (!ctx.organisationId) throw new DomainError('forbidden', 'organisation_required', 'Webhooks belong to an organisation: use one of its API keys');
  return ctx.organisationId;
}

const notFound = (id: string) => new DomainError('not_found', 'webhook_not_found', `No webhook ${id}; see GET /api/v1/webhooks`);

/** Registrations of receivers for the contract events; the secret leaves the service only once, at creation. */
export function createWebhookService(deps: { db: Database; masterKey: Buffer; targets?: TargetPolicy }) {
  const { db } = deps;
  const box = createSecretBox(deps.masterKey);
  const targets = deps.targets ?? createTargetPolicy();

  /**
   * An internal target is refused at registration with the reason. A name that does not resolve yet is
   * accepted (its DNS may come later): the dispatcher checks the address on every connection anyway.
   */
  async function assertNotInternal(url: string): Promise<void> {
    try {
      await targets.assertAllowed(url);
    } catch (err) {
      if (!(err instanceof TargetForbiddenError)) return;
      throw new DomainError('unprocessable', 'webhook_target_forbidden', `Webhooks cannot be sent to ${new URL(url).host}: ${err.message}`, [
        { path: '/url', message: err.message },
      ]);
    }
  }

  function view(row: WebhookRow) {
    // Decrypting for the hint also proves the stored secret still opens under the current master key.
    const secret = box.open(row.secret_sealed, row.id);
    return {
      id: row.id,
      url: row.url,
      events: row.event_types,
      secretHint: `…${secret.slice(-4)}`,
      createdBy: row.created_by,
      createdAt: iso(row.created_at),
    };
  }

  /** Another organisation's webhook is answered as one that does not exist. */
  async function find(organisationId: string, id: string): Promise<WebhookRow> {
    const res = await db.query<WebhookRow>(
      'SELECT id, url, event_types, secret_sealed, created_by, created_at FROM webhooks WHERE id = $1 AND organisation_id = $2 AND deleted_at IS NULL',
      [id, organisationId],
    );
    if (!res.rows[0]) throw notFound(id);
    return res.rows[0];
  }

  return {
    /**
     * A repeated Idempotency-Key returns the webhook it created without its secret: the secret is shown
     * once, so a client that lost the first response must delete the webhook and register it again.
     */
    async create(body: unknown, ctx: RequestContext, idempotencyKey?: string) {
      const parsed = createInput.safeParse(body ?? {});
      if (!parsed.success) throw validationError(parsed.error);
      const org = organisationOf(ctx);
      let idem: IdempotencyContext | undefined;
      if (idempotencyKey !== undefined) {
        validateIdempotencyKey(idempotencyKey);
        const operation = 'webhooks.create';
        idem = { principal: ctx.actor.id, key: idempotencyKey, operation, requestHash: requestHash(operation, body ?? null) };
        const earlier = await replayedResource(db, idem);
        if (earlier) return { webhook: view(await find(org, earlier)), replayed: true };
      }
      await assertNotInternal(parsed.data.url);
      const id = randomUUID();
      const secret = parsed.data.secret ?? randomBytes(32).toString('base64url');
      const { resourceId, replayed } = await runIdempotent(db, idem, id, async (tx) => {
        await tx.query(
          'INSERT INTO webhooks (id, url, event_types, secret_sealed, created_by, organisation_id) VALUES ($1, $2, $3::text[], $4, $5, $6)',
          [id, parsed.data.url, parsed.data.events, box.seal(secret, id), ctx.actor.id, org],
        );
      });
      const row = await find(org, resourceId);
      return replayed ? { webhook: view(row), replayed } : { webhook: { ...view(row), secret }, replayed };
    },

    async list(ctx: RequestContext) {
      const res = await db.query<WebhookRow>(
        'SELECT id, url, event_types, secret_sealed, created_by, created_at FROM webhooks WHERE organisation_id = $1 AND deleted_at IS NULL ORDER BY created_at, id',
        [organisationOf(ctx)],
      );
      return res.rows.map(view);
    },

    async get(ctx: RequestContext, id: string) {
      return view(await find(organisationOf(ctx), id));
    },

    /** Soft delete: the delivery log stays for the record, and its queued events are given up. */
    async remove(ctx: RequestContext, id: string): Promise<void> {
      const org = organisationOf(ctx);
      await db.transaction(async (tx) => {
        const res = await tx.query('UPDATE webhooks SET deleted_at = now() WHERE id = $1 AND organisation_id = $2 AND deleted_at IS NULL RETURNING id', [id, org]);
        if (res.rowCount === 0) throw notFound(id);
        await tx.query(
          `UPDATE webhook_deliveries SET status = 'failed', last_error = 'webhook deleted', lease_until = NULL
           WHERE webhook_id = $1 AND status = 'pending'`,
          [id],
        );
      });
    },

    /** Newest first, each with every attempt made; cursor is the last id of the previous page. */
    async deliveries(ctx: RequestContext, id: string, query: unknown) {
      await find(organisationOf(ctx), id);
      const q = listQuery.safeParse(query ?? {});
      if (!q.success) {
        throw new DomainError('invalid', 'invalid_query', q.error.issues[0].message,
          q.error.issues.map((i) => ({ path: `/${i.path.map(String).join('/')}`, message: i.message })));
      }
      const { limit, cursor, status } = q.data;
      const res = await db.query<DeliveryRow>(
        `SELECT d.id, d.event_id, e.type AS event_type, d.contract_id, d.status, d.next_attempt_at, d.last_status,
                d.last_error, d.delivered_at, d.created_at
         FROM webhook_deliveries d JOIN contract_events e ON e.id = d.event_id
         WHERE d.webhook_id = $1 AND ($2::bigint IS NULL OR d.id < $2::bigint) AND ($3::text IS NULL OR d.status = $3::text)
         ORDER BY d.id DESC LIMIT $4`,
        [id, cursor ?? null, status ?? null, limit + 1],
      );
      const page = res.rows.slice(0, limit);
      const byDelivery = new Map<number, AttemptRow[]>();
      if (page.length > 0) {
        const ids = page.map((d) => Number(d.id));
        const attempts = await db.query<AttemptRow>(
          `SELECT a.delivery_id, a.at, a.status_code, a.error, a.duration_ms
           FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
           WHERE d.webhook_id = $1 AND a.delivery_id BETWEEN $2::bigint AND $3::bigint
           ORDER BY a.id`,
          [id, Math.min(...ids), Math.max(...ids)],
        );
        for (const a of attempts.rows) {
          const key = Number(a.delivery_id);
          byDelivery.set(key, [...(byDelivery.get(key) ?? []), a]);
        }
      }
      return {
        items: page.map((d) => ({
          id: Number(d.id),
          eventId: d.event_id,
          eventType: d.event_type,
          contractId: d.contract_id || null,
          status: d.status,
          lastStatusCode: d.last_status,
          lastError: d.last_error,
          nextAttemptAt: d.status === 'pending' ? iso(d.next_attempt_at) : null,
          deliveredAt: iso(d.delivered_at),
          createdAt: iso(d.created_at),
          attempts: (byDelivery.get(Number(d.id)) ?? []).map((a) => ({
            at: iso(a.at),
            statusCode: a.status_code,
            error: a.error,
            durationMs: a.duration_ms,
          })),
        })),
        nextCursor: res.rows.length > limit ? String(page[page.length - 1].id) : null,
      };
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
