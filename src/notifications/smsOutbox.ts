import type { Logger } from 'pino';
import { chinaDay, chinaMidnight, chinaParts, chineseDeadline, CHINA_UTC_OFFSET_MS } from '../chinaTime.js';
import { messageText, type SmsKind, type TemplateRegistry } from '../documents/index.js';
import type { PersonalData } from '../domain/personalData.js';
import type { Database, Queryable } from '../storage/db/database.js';
import type { ContractRow, SignerRow } from '../storage/db/contractRepository.js';
import type { SmsGateway } from './smsGateway.js';

/** The kinds that go through the outbox; codes are sent while the person waits, not queued. */
export type QueuedKind = Exclude<SmsKind, 'code'>;

export interface QueuedSms {
  kind: QueuedKind;
  contractId: string;
  signerId: string;
  /** One message per occasion: a second queue call with the same key is a no-op. */
  dedupeKey: string;
}

export interface SmsOutboxDeps {
  db: Database;
  sms: SmsGateway;
  templates: TemplateRegistry;
  organisations: { current(id: string): Promise<{ name: string; phone: string }> };
  personalData: PersonalData;
  /** The page a message links to, for a signer row (their signing link, or the track page). */
  links: { signUrl(signer: SignerRow): string | undefined; trackUrl(signer: SignerRow): string | undefined };
  log: Logger;
  clock?: () => Date;
  pollMs?: number;
}

/** Reminders wait for the day: none before 08:00 or after 21:00 China time. */
const DAY_STARTS = 8;
const DAY_ENDS = 21;
const MAX_ATTEMPTS = 8;
const BATCH = 20;
/** The gateway's timeout (5 s) for every message of a batch, and room to spare: a lease never ends mid-batch. */
const LEASE_SECONDS = BATCH * 5 + 60;
/** 10 s, 30 s, 90 s … capped at an hour: eight attempts span about three hours, the life of an SMS worth sending. */
const retryDelaySeconds = (attempts: number) => Math.min(10 * 3 ** (attempts - 1), 3600);

const isNight = (at: Date) => {
  const h = chinaParts(at).hour;
  return h < DAY_STARTS || h >= DAY_ENDS;
};

/** The next 08:00 China time after `at`. */
function nextMorning(at: Date): Date {
  const local = new Date(at.getTime() + CHINA_UTC_OFFSET_MS);
  const morning = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), DAY_STARTS) - CHINA_UTC_OFFSET_MS;
  return new Date(morning > at.getTime() ? morning : morning + 86_400_000);
}

const OPEN = ['awaiting_signatures', 'partially_signed'];

/**
 * SMS to applicants, queued in the transaction of the event that calls for them and sent afterwards, so a
 * gateway that is down delays a message but never loses it or fails the signature that caused it. Several
 * instances share the queue: rows are claimed with a lease under SKIP LOCKED.
 */
export function createSmsOutbox(deps: SmsOutboxDeps) {
  const { db, log } = deps;
  const now = deps.clock ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function compose(kind: QueuedKind, contract: ContractRow, signer: SignerRow) {
    const template = deps.templates.get(contract.template_id, contract.template_version, contract.organisation_id);
    const org = await deps.organisations.current(contract.organisation_id);
    const url = kind === 'signing_link' || kind === 'reminder' ? deps.links.signUrl(signer) : deps.links.trackUrl(signer);
    const text = messageText(kind, template?.messages, {
      utility: { name: org.name, phone: org.phone },
      contract: { title: template?.title ?? contract.template_id, number: contract.contract_number },
      url,
      deadline: chineseDeadline(new Date(contract.deadline).toISOString()),
    });
    return { text, url };
  }

  /** Why a queued message should no longer go out, if it should not. */
  function stale(kind: QueuedKind, contract: ContractRow, signer: SignerRow, at: Date): string | null {
    if (!signer.mobile) return 'the signer has no mobile number';
    if ((kind === 'signing_link' || kind === 'reminder') && (!OPEN.includes(contract.status) || signer.status === 'signed' || signer.status === 'declined')) {
      return `the contract is ${contract.status} and the signer ${signer.status}`;
    }
    // A reminder held back overnight must not announce a deadline that has passed.
    if (kind === 'reminder' && new Date(contract.deadline) <= at) return 'the deadline has passed';
    return null;
  }

  type Claimed = { id: number; kind: QueuedKind; contract_id: string; signer_id: string; attempts: number; lease_until: Date };

  /** Every outcome is written only by the holder of the row's lease, so a row re-claimed after a lapse is not written twice. */
  const settle = (row: Claimed, set: string, params: unknown[] = []) =>
    db.query(`UPDATE sms_notifications SET ${set}, lease_until = NULL WHERE id = $1 AND lease_until = $2`, [row.id, row.lease_until, ...params]);

  async function deliver(row: Claimed): Promise<void> {
    const [contract] = (await db.query<ContractRow>('SELECT * FROM contracts WHERE id = $1', [row.contract_id])).rows;
    const [sealed] = (await db.query<SignerRow>('SELECT * FROM signers WHERE id = $1', [row.signer_id])).rows;
    const signer = deps.personalData.openSigner(sealed);
    const skip = stale(row.kind, contract, signer, now());
    if (skip) {
      await settle(row, `status = 'skipped', last_error = $3`, [skip]);
      return;
    }
    if (row.kind === 'reminder' && isNight(now())) {
      await settle(row, 'next_attempt_at = $3', [nextMorning(now())]);
      return;
    }
    try {
      const { text, url } = await compose(row.kind, contract, signer);
      await deps.sms.send({ kind: row.kind, mobile: signer.mobile!, text, contractId: contract.id, signerId: signer.id, ...(url ? { url } : {}) });
      await settle(row, `status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL`);
    } catch (err) {
      const attempts = row.attempts + 1;
      const error = (err as Error).message;
      log.warn({ kind: row.kind, contractId: row.contract_id, signerId: row.signer_id, attempts, err: error }, 'SMS not delivered; will retry');
      await settle(
        row,
        `attempts = $3::int, last_error = $4, status = CASE WHEN $3::int >= $5::int THEN 'failed' ELSE 'pending' END,
         next_attempt_at = now() + ($6::double precision * interval '1 second')`,
        [attempts, error, MAX_ATTEMPTS, retryDelaySeconds(attempts)],
      );
    }
  }

  const outbox = {
    async queue(tx: Queryable, n: QueuedSms): Promise<void> {
      await tx.query(
        'INSERT INTO sms_notifications (dedupe_key, kind, contract_id, signer_id) VALUES ($1, $2, $3, $4) ON CONFLICT (dedupe_key) DO NOTHING',
        [n.dedupeKey, n.kind, n.contractId, n.signerId],
      );
    },

    /**
     * A contract on the last day before its deadline is at risk: the person whose turn it is gets one
     * reminder that (China) day, in the daytime only, unless they were sent their link today already.
     */
    async queueReminders(at: Date = now()): Promise<number> {
      if (isNight(at)) return 0;
      const day = chinaDay(at);
      const today = chinaMidnight(day);
      const tomorrow = new Date(today.getTime() + 86_400_000);
      const res = await db.query<{ id: string }>(
        `INSERT INTO sms_notifications (dedupe_key, kind, contract_id, signer_id)
         SELECT 'reminder:' || s.id || ':' || $3::text, 'reminder', c.id, s.id
         FROM contracts c
         JOIN LATERAL (
           SELECT * FROM signers x WHERE x.contract_id = c.id AND x.status <> 'signed' ORDER BY x.position LIMIT 1) s ON true
         WHERE c.status IN ('awaiting_signatures', 'partially_signed') AND c.notify AND c.deadline > $1 AND c.deadline <= $2
           AND s.kind = 'person' AND s.status <> 'declined' AND s.mobile IS NOT NULL
           AND NOT EXISTS (
             SELECT 1 FROM sms_notifications n
             WHERE n.signer_id = s.id AND n.kind = 'signing_link' AND n.status IN ('pending', 'sent') AND COALESCE(n.sent_at, n.created_at) >= $4)
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id`,
        [at, tomorrow, day, today],
      );
      return res.rows.length;
    },

    /** Sends what is due; returns how many rows it handled. */
    async runOnce(limit = BATCH): Promise<number> {
      const claimed = await db.query<Omit<Claimed, 'id'> & { id: string }>(
        // Milliseconds, as JavaScript dates hold them: the lease is compared when the outcome is written.
        `UPDATE sms_notifications SET lease_until = date_trunc('milliseconds', now() + ($2::int * interval '1 second'))
         WHERE id IN (
           SELECT id FROM sms_notifications
           WHERE status = 'pending' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
           ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, kind, contract_id, signer_id, attempts, lease_until`,
        [limit, LEASE_SECONDS],
      );
      for (const r of claimed.rows) {
        // One row's trouble (a row the database refuses to update) leaves the others to go out; its lease runs out and it is tried again.
        await deliver({ ...r, id: Number(r.id), attempts: Number(r.attempts) }).catch((err) => log.error({ err, id: r.id }, 'SMS outbox row failed'));
      }
      return claimed.rows.length;
    },

    start(): void {
      if (timer) return;
      // One run at a time in this instance: the next tick waits for a slow gateway instead of piling up.
      const tick = () => {
        if (running) return;
        running = outbox.runOnce().catch((err) => log.error({ err }, 'SMS outbox run failed')).finally(() => (running = undefined));
      };
      timer = setInterval(tick, deps.pollMs ?? 1000);
      timer.unref();
    },

    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
  return outbox;
}

export type SmsOutbox = ReturnType<typeof createSmsOutbox>;
