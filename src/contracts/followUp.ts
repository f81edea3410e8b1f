import { z } from 'zod';
import type { Database, Queryable } from '../storage/db/database.js';
import { contractRepository } from '../storage/db/contractRepository.js';
import type { AuditTrail } from '../audit/auditTrail.js';
import { DomainError } from '../domain/errors.js';
import { invalidBody } from '../domain/validation.js';
import { scopeOfContext, type RequestContext } from '../domain/requestContext.js';
import type { QueuedSms } from '../notifications/smsOutbox.js';
import type { ContractService } from './contractService.js';
import type { ContractView } from './contractView.js';
import type { WorkingCalendar } from './calendar/workingCalendar.js';
import type { SigningLinks } from './signingLinks.js';
import { OPEN_CONTRACT } from './lifecycle.js';

/** One resent link per signer in this time: a double click, or an impatient clerk, sends one SMS. */
const RESEND_INTERVAL_MS = 2 * 60_000;

const extendInput = z.object({
  workingDays: z.number({ message: 'workingDays is required: how many working days to add' }).int().min(1, 'workingDays must be at least 1').max(30, 'workingDays must be at most 30'),
  reason: z.string({ message: 'reason is required' }).trim().min(1, 'reason must not be empty').max(500),
});

/**
 * What the utility's staff do for a contract that waits: send the person whose turn it is their link
 * again, and give more time (working days, with a reason). Both are audited on the contract's chain.
 */
export function createFollowUp(deps: {
  db: Database;
  audit: AuditTrail;
  contracts: Pick<ContractService, 'row' | 'get'>;
  calendar: WorkingCalendar;
  links: SigningLinks;
  notifications: { queue(tx: Queryable, n: QueuedSms): Promise<void> };
  clock?: () => Date;
}) {
  const { db, audit } = deps;
  const now = deps.clock ?? (() => new Date());

  async function openContract(ctx: RequestContext, id: string) {
    const row = await deps.contracts.row(scopeOfContext(ctx), id);
    if (!OPEN_CONTRACT.includes(row.status as (typeof OPEN_CONTRACT)[number])) {
      throw new DomainError('conflict', 'contract_not_open', `The contract is ${row.status}: only an open contract can be followed up`);
    }
    return row;
  }

  const latestDocument = async (tx: Queryable, id: string) => {
    const v = (await contractRepository.documentVersions(tx, [id])).at(-1)!;
    return { version: v.version, sha256: v.sha256 };
  };

  return {
    /** The signing link again, by SMS, to the person whose turn it is. */
    async resendLink(ctx: RequestContext, id: string): Promise<ContractView> {
      const row = await openContract(ctx, id);
      const signers = await contractRepository.signers(db, [id]);
      const next = signers.find((s) => s.status !== 'signed');
      if (!next || next.kind !== 'person' || next.status === 'declined') {
        throw new DomainError('conflict', 'not_waiting_for_person', 'It is the utility\'s turn to sign: there is no link to send');
      }
      const at = now();
      await db.transaction(async (tx) => {
        // The database's clock, which stamped the messages.
        const recent = await tx.query(
          `SELECT 1 FROM sms_notifications WHERE signer_id = $1 AND kind = 'signing_link' AND created_at > now() - ($2::int * interval '1 millisecond') LIMIT 1`,
          [next.id, RESEND_INTERVAL_MS],
        );
        if (recent.rows.length > 0) throw new DomainError('too_many', 'link_sent_recently', 'The link was sent less than two minutes ago; wait before sending it again');
        await deps.notifications.queue(tx, { kind: 'signing_link', contractId: id, signerId: next.id, dedupeKey: `signing_link:${next.id}:${at.getTime()}` });
        await audit.append(tx, { contractId: id, type: 'signer.link_resent', ctx, at, document: await latestDocument(tx, id), data: { signerId: next.id, role: next.role } });
      });
      return deps.contracts.get(scopeOfContext(ctx), row.id);
    },

    /**
     * More working days, counted from the present deadline (or from now, if that is later). A link that
     * would die before the new deadline is replaced, and the person whose turn it is gets the new one.
     */
    async extendDeadline(ctx: RequestContext, id: string, body: unknown): Promise<ContractView> {
      const parsed = extendInput.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      const row = await openContract(ctx, id);
      const at = now();
      // A deadline is the end of its day (the next day's midnight): counted from its last instant, so the
      // days added are whole working days after the deadline's own day.
      const from = new Date(Math.max(new Date(row.deadline).getTime() - 1, at.getTime()));
      const deadline = deps.calendar.deadlineAfter(from, parsed.data.workingDays);
      await db.transaction(async (tx) => {
        const moved = await tx.query(
          `UPDATE contracts SET deadline = $2, first_deadline = COALESCE(first_deadline, deadline),
             deadline_working_days = deadline_working_days + $3, updated_at = $4
           WHERE id = $1 AND status = ANY($5) AND deadline = $6`,
          [id, deadline, parsed.data.workingDays, at, OPEN_CONTRACT, row.deadline],
        );
        if (moved.rowCount !== 1) throw new DomainError('conflict', 'concurrent_change', 'The contract changed meanwhile; reload it and try again');
        const signers = await contractRepository.signers(tx, [id]);
        const next = signers.find((s) => s.status !== 'signed');
        const linksReplaced: string[] = [];
        for (const s of signers) {
          if (s.kind !== 'person' || s.status === 'signed' || !s.token_expires_at || new Date(s.token_expires_at) >= deadline) continue;
          const link = deps.links.issue(s.id, at, deadline);
          await tx.query('UPDATE signers SET token_hash = $2, token_expires_at = $3 WHERE id = $1', [s.id, link.token_hash, link.token_expires_at]);
          linksReplaced.push(s.id);
          if (s.id === next?.id && row.notify) {
            await deps.notifications.queue(tx, { kind: 'signing_link', contractId: id, signerId: s.id, dedupeKey: `signing_link:${s.id}:${at.getTime()}` });
          }
        }
        // A webhook event: a workflow that sends the links itself (notify: false) reads the new ones from the contract.
        await audit.append(tx, {
          contractId: id, type: 'contract.deadline_extended', ctx, at, document: await latestDocument(tx, id),
          data: { from: new Date(row.deadline).toISOString(), to: deadline.toISOString(), workingDays: parsed.data.workingDays, reason: parsed.data.reason, linksReplaced },
        });
        await ctx.commit?.(tx, id);
      });
      return deps.contracts.get(scopeOfContext(ctx), id);
    },
  };
}

export type FollowUp = ReturnType<typeof createFollowUp>;
