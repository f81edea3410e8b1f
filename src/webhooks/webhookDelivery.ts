import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Database } from '../storage/db/database.js';
import { createSecretBox } from '../domain/secretBox.js';
import { createTargetPolicy, TargetForbiddenError, type TargetPolicy } from './webhookTargets.js';

/**
 * Delays after the 1st, 2nd, … failed attempt; the last one repeats. Attempts land about 0 s, 10 s, 40 s,
 * 2.7 min, 12.7 min, 43 min, 1.7 h, 3.7 h, 7.7 h, 13.7 h, 21.7 h and 29.7 h after the first: a receiver
 * that is down for a whole day still gets every event.
 */
export const RETRY_SCHEDULE_SECONDS = [10, 30, 120, 600, 1800, 3600, 7200, 14_400, 21_600, 28_800] as const;
/** A delivery is given up (status failed) after an attempt that fails this long after its first attempt. */
export const RETRY_SPAN_SECONDS = 24 * 3600;

/** ±10 % jitter so that deliveries queued while a receiver was down do not all come back at the same second. */
export function backoffSeconds(failedAttempts: number, random: () => number = Math.random): number {
  const i = Math.min(Math.max(failedAttempts, 1), RETRY_SCHEDULE_SECONDS.length) - 1;
  return Math.round(RETRY_SCHEDULE_SECONDS[i] * (0.9 + 0.2 * random()) * 1000) / 1000;
}

/** `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the timestamp is signed so a captured request cannot be replayed later. */
export function signatureHeader(secret: string, unixSeconds: number, rawBody: string): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

export interface WebhookDispatcherOptions {
  db: Database;
  masterKey: Buffer;
  log: Logger;
  /** Only for the Webhook-Timestamp header; leases, due times and the attempt log use the database clock. */
  clock?: () => Date;
  fetchTimeoutMs?: number;
  /** Which addresses may receive deliveries; by default only public ones. */
  targets?: TargetPolicy;
  pollMs?: number;
  /** Most requests in flight at once (and most deliveries claimed by one runOnce). */
  batch?: number;
}

interface Claimed {
  id: number;
  webhook_id: string;
  event_id: string;
  /** Attempts made before this one. */
  attempts: number;
  claimed_at: Date;
  url: string;
  secret_sealed: string;
  type: string;
  at: Date;
  contract_id: string;
  data: Record<string, unknown>;
  document_version: number | null;
  document_sha256: string | null;
  seq: number;
  hash: string;
}

/*
 * Only the head of each (webhook, contract) queue is due: an event waits for the earlier ones of its
 * contract to be delivered or given up, which keeps per-contract order; heads of other queues are
 * independent, so a dead receiver holds back only its own queue. SKIP LOCKED plus the lease let
 * several instances claim disjoint rows; an instance that dies mid-send loses its lease and another resends.
 */
const CLAIM = `
WITH claimed AS (
  UPDATE webhook_deliveries d SET lease_until = now() + ($2::int * interval '1 second')
  WHERE d.id IN (
    SELECT c.id FROM webhook_deliveries c
    JOIN webhooks w ON w.id = c.webhook_id AND w.deleted_at IS NULL
    WHERE c.status = 'pending' AND c.next_attempt_at <= now() AND (c.lease_until IS NULL OR c.lease_until < now())
      AND NOT EXISTS (
        SELECT 1 FROM webhook_deliveries e
        WHERE e.webhook_id = c.webhook_id AND e.contract_id = c.contract_id AND e.status = 'pending' AND e.id < c.id)
    ORDER BY c.id
    LIMIT $1
    FOR UPDATE OF c SKIP LOCKED)
  RETURNING d.id, d.webhook_id, d.event_id, d.attempts)
SELECT claimed.id, claimed.webhook_id, claimed.event_id, claimed.attempts, now() AS claimed_at, w.url, w.secret_sealed,
       ev.type, ev.at, ev.contract_id, ev.data, ev.document_version, ev.document_sha256, ev.seq, ev.hash
FROM claimed
JOIN webhooks w ON w.id = claimed.webhook_id
JOIN contract_events ev ON ev.id = claimed.event_id
ORDER BY claimed.id`;

const RECORD_ATTEMPT = `INSERT INTO webhook_attempts (delivery_id, at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5)`;

// The status guard: a webhook deleted while the request was in flight stays given up.
const MARK_DELIVERED = `
UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), attempts = attempts + 1,
  last_status = $2, last_error = NULL, lease_until = NULL
WHERE id = $1 AND status = 'pending'`;

const MARK_FAILED = `
UPDATE webhook_deliveries d SET attempts = d.attempts + 1, last_status = $2, last_error = $3, lease_until = NULL,
  next_attempt_at = now() + ($4::double precision * interval '1 second'),
  status = CASE
    WHEN now() - (SELECT min(a.at) FROM webhook_attempts a WHERE a.delivery_id = d.id) >= ($5::int * interval '1 second')
    THEN 'failed' ELSE 'pending' END
WHERE d.id = $1 AND d.status = 'pending'
RETURNING d.attempts, d.status`;

interface Outcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptAt: Date;
}

function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string };
  if (err instanceof TargetForbiddenError) return `refused: ${e.message}`;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no response within ${timeoutMs} ms`;
  return e?.code ? `connection failed: ${e.code}` : `request failed: ${e?.message ?? String(err)}`;
}

/**
 * One POST whose connection goes only to an address the policy allows: the policy's lookup runs for the
 * connection itself, and an address in the URL is checked before connecting. Redirects are not followed
 * (they would carry a signed body to a host nobody registered); the receiver's body is discarded.
 */
function postTo(url: string, headers: Record<string, string>, body: string, targets: TargetPolicy, timeoutMs: number): Promise<number> {
  const target = new URL(url);
  try {
    targets.checkAddressInUrl(url);
  } catch (err) {
    return Promise.reject(err);
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
        lookup: targets.lookup,
        agent: false,
        signal: AbortSignal.timeout(timeoutMs),
      },
      // The status is the answer; the receiver's body is neither needed nor waited for.
      (res) => {
        resolve(res.statusCode ?? 0);
        res.on('error', () => undefined);
        res.destroy();
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function createWebhookDispatcher(opts: WebhookDispatcherOptions) {
  const { db, log } = opts;
  const clock = opts.clock ?? (() => new Date());
  const fetchTimeoutMs = opts.fetchTimeoutMs ?? 10_000;
  const targets = opts.targets ?? createTargetPolicy();
  const pollMs = opts.pollMs ?? 500;
  const batch = opts.batch ?? 20;
  // The lease must outlast a request that runs into its timeout, or a second instance would resend meanwhile.
  const leaseSeconds = Math.max(60, Math.ceil((fetchTimeoutMs * 2) / 1000) + 10);
  const box = createSecretBox(opts.masterKey);

  const inflight = new Set<Promise<void>>();
  const claiming = new Set<Promise<unknown>>();
  let running = false;
  let stopping = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let woken = false;

  function wake() {
    woken = true;
    wakeUp?.();
  }

  function nap(ms: number): Promise<void> {
    if (woken) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        woken = false;
        resolve();
      }
      wakeUp = done;
    });
  }

  async function claim(limit: number): Promise<Claimed[]> {
    const res = await db.query<Claimed>(CLAIM, [limit, leaseSeconds]);
    return res.rows.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) }));
  }

  async function release(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const marks = ids.map((_, i) => `$${i + 1}`).join(', ');
    await db.query(`UPDATE webhook_deliveries SET lease_until = NULL WHERE id IN (${marks})`, ids);
  }

  async function post(d: Claimed, claimedAtPerf: number): Promise<Outcome> {
    const started = performance.now();
    const attemptAt = new Date(new Date(d.claimed_at).getTime() + Math.round(started - claimedAtPerf));
    let secret: string;
    try {
      secret = box.open(d.secret_sealed, d.webhook_id);
    } catch (err) {
      log.error({ err, webhookId: d.webhook_id }, 'webhook secret cannot be decrypted; is MASTER_KEY the one it was created with?');
      return { statusCode: null, error: 'the webhook secret cannot be decrypted by this service', durationMs: 0, attemptAt };
    }
    const body = JSON.stringify({
      id: d.event_id,
      type: d.type,
      createdAt: new Date(d.at).toISOString(),
      contractId: d.contract_id || null,
      data: d.data ?? {},
      document: d.document_version === null ? null : { version: d.document_version, sha256: d.document_sha256 },
      // The event's place in its contract's hash chain: a receiver that keeps it holds a copy of the
      // chain head outside this service, so a rewritten history would no longer match.
      audit: { seq: Number(d.seq), hash: d.hash },
    });
    const t = Math.floor(clock().getTime() / 1000);
    try {
      const headers = {
        'Content-Type': 'application/json',
        'User-Agent': 'water-esign-webhooks/1',
        'Webhook-Id': d.event_id,
        'Webhook-Timestamp': String(t),
        Signature: signatureHeader(secret, t, body),
      };
      const status = await postTo(d.url, headers, body, targets, fetchTimeoutMs);
      if (status >= 200 && status < 300) {
        return { statusCode: status, error: null, durationMs: Math.round(performance.now() - started), attemptAt };
      }
      // Only the status is kept: echoing the receiver's body into the log would let a registered URL
      // be used to read responses from hosts the caller cannot reach.
      const error = status >= 300 && status < 400 ? 'redirects are not followed' : `HTTP ${status}`;
      return { statusCode: status, error, durationMs: Math.round(performance.now() - started), attemptAt };
    } catch (err) {
      return { statusCode: null, error: describeFailure(err, fetchTimeoutMs), durationMs: Math.round(performance.now() - started), attemptAt };
    }
  }

  async function record(d: Claimed, o: Outcome): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.query(RECORD_ATTEMPT, [d.id, o.attemptAt, o.statusCode, o.error?.slice(0, 500) ?? null, o.durationMs]);
      if (o.error === null) {
        await tx.query(MARK_DELIVERED, [d.id, o.statusCode]);
        return;
      }
      const delay = backoffSeconds(d.attempts + 1);
      const res = await tx.query<{ attempts: number; status: string }>(MARK_FAILED, [
        d.id, o.statusCode, o.error.slice(0, 500), delay, RETRY_SPAN_SECONDS,
      ]);
      const row = res.rows[0];
      if (row?.status === 'failed') {
        log.warn({ webhookId: d.webhook_id, deliveryId: d.id, attempts: row.attempts }, 'webhook delivery given up after 24 h of retries');
      } else if (row) {
        log.info(
          { webhookId: d.webhook_id, deliveryId: d.id, statusCode: o.statusCode, error: o.error, retryInSeconds: delay },
          'webhook delivery failed; retrying later',
        );
      }
    });
  }

  async function deliver(d: Claimed, claimedAtPerf: number): Promise<void> {
    const outcome = await post(d, claimedAtPerf);
    try {
      await record(d, outcome);
    } catch (err) {
      // The lease runs out and another pass sends again: at least once, never lost.
      log.warn({ err, webhookId: d.webhook_id, deliveryId: d.id }, 'could not record a webhook attempt; it will be resent');
    }
  }

  async function claimAndLaunchNow(limit: number): Promise<Promise<void>[]> {
    const claimed = await claim(limit);
    const claimedAtPerf = performance.now();
    if (stopping) {
      // Stopped between claim and send: hand the rows back at once instead of waiting for the lease.
      await release(claimed.map((d) => d.id));
      return [];
    }
    return claimed.map((d) => {
      const p = deliver(d, claimedAtPerf).finally(() => {
        inflight.delete(p);
        wake();
      });
      inflight.add(p);
      return p;
    });
  }

  /** Claims up to limit due deliveries and starts sending them; resolves with the sends. */
  async function claimAndLaunch(limit: number): Promise<Promise<void>[]> {
    // Tracked so that stop() also waits for a claim that is still on its way back.
    const p = claimAndLaunchNow(limit);
    claiming.add(p);
    try {
      return await p;
    } finally {
      claiming.delete(p);
    }
  }

  async function pump(): Promise<void> {
    while (running) {
      const free = batch - inflight.size;
      let launched = 0;
      if (free > 0) {
        try {
          launched = (await claimAndLaunch(free)).length;
        } catch (err) {
          log.warn({ err }, 'claiming webhook deliveries failed; trying again shortly');
        }
      }
      if (!running) break;
      if (launched < free || inflight.size >= batch) await nap(pollMs);
    }
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      stopping = false;
      loop = pump();
    },

    /** Stops claiming; waits for requests already sent to be recorded. */
    async stop(): Promise<void> {
      running = false;
      stopping = true;
      wake();
      await loop;
      loop = undefined;
      await Promise.allSettled([...claiming]);
      await Promise.allSettled([...inflight]);
    },

    /** One claim-and-send pass over whatever is due; resolves when those sends are recorded. */
    async runOnce(): Promise<number> {
      const sends = await claimAndLaunch(batch);
      await Promise.all(sends);
      return sends.length;
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
