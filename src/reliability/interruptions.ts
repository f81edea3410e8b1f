import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../storage/db/database.js';
import { reliabilityRepository, type CurrentRow, type RevisionRow } from '../storage/db/reliabilityRepository.js';
import { organisationChain, type AuditTrail } from '../audit/auditTrail.js';
import { DomainError, type ErrorDetail } from '../domain/errors.js';
import { invalidBody, invalidQuery } from '../domain/validation.js';
import { scopeOfContext, type RequestContext } from '../domain/requestContext.js';
import { chinaInstant } from '../chinaTime.js';

/**
 * What stopped the water. The first four are the groups the plan's KPI leaves out (equipment maintenance
 * or renovation, reduced raw-water volume, municipal power failure); the rest count.
 */
export const CAUSES = [
  'equipment_maintenance', 'renovation', 'raw_water_shortage', 'municipal_power_failure',
  'pipe_burst', 'third_party_damage', 'water_quality', 'insufficient_pressure', 'other',
] as const;
export type Cause = (typeof CAUSES)[number];
export const EXCLUDED_CAUSES: readonly Cause[] = ['equipment_maintenance', 'renovation', 'raw_water_shortage', 'municipal_power_failure'];

const instant = (name: string) => z.iso.datetime({ offset: true, message: `${name} must be an ISO 8601 time with its offset, e.g. 2025-03-10T08:00:00+08:00` });
const list = (name: string) => z.array(z.string().trim().min(1).max(200), { message: `${name} must be a list of strings` }).max(1000).optional();

const fields = {
  startedAt: instant('startedAt'),
  endedAt: instant('endedAt').nullable().optional(),
  planned: z.boolean({ message: 'planned must be true or false' }),
  noticeGivenAt: instant('noticeGivenAt').nullable().optional(),
  cause: z.enum(CAUSES, { message: `cause must be one of ${CAUSES.join(', ')}` }),
  affected: z.object({
    customers: z.number({ message: 'affected.customers is required: how many customers lost supply' }).int().min(0).max(10_000_000),
    contractIds: list('affected.contractIds'),
    supplyZones: list('affected.supplyZones'),
    addresses: list('affected.addresses'),
  }, { message: 'affected must be {customers, contractIds?, supplyZones?, addresses?}' }),
  description: z.string({ message: 'description is required' }).trim().min(1, 'description must not be empty').max(2000),
};
const createInput = z.object(fields).strict();
const patchInput = z
  .object({ ...fields, affected: fields.affected.partial({ customers: true }), reason: z.string({ message: 'reason is required: why the record changes' }).trim().min(1).max(500) })
  .partial()
  .required({ reason: true })
  .strict();
const listQuery = z.object({
  from: instant('from').or(z.iso.date()).optional(),
  to: instant('to').or(z.iso.date()).optional(),
  zone: z.string().min(1).max(200).optional(),
  cause: z.enum(CAUSES).optional(),
});


export interface InterruptionView {
  id: string;
  revision: number;
  startedAt: string;
  endedAt: string | null;
  planned: boolean;
  noticeGivenAt: string | null;
  cause: Cause;
  /** Left out of the plan's KPI (maintenance, renovation, raw water, municipal power). */
  excludedFromKpi: boolean;
  affected: { customers: number; contractIds: string[]; supplyZones: string[]; addresses: string[] };
  description: string;
  durationHours: number | null;
  recordedAt: string;
  recordedBy: { type: string; id: string };
  reason: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function interruptionView(r: RevisionRow): InterruptionView {
  return {
    id: r.interruption_id,
    revision: r.revision,
    startedAt: iso(r.started_at)!,
    endedAt: iso(r.ended_at),
    planned: r.planned,
    noticeGivenAt: iso(r.notice_given_at),
    cause: r.cause as Cause,
    excludedFromKpi: EXCLUDED_CAUSES.includes(r.cause as Cause),
    affected: { customers: r.customers, contractIds: r.contract_ids, supplyZones: r.supply_zones, addresses: r.addresses },
    description: r.description,
    durationHours: r.ended_at ? Math.round(((new Date(r.ended_at).getTime() - new Date(r.started_at).getTime()) / 3_600_000) * 10_000) / 10_000 : null,
    recordedAt: new Date(r.at).toISOString(),
    recordedBy: r.actor,
    reason: r.reason,
  };
}

type Fields = z.infer<typeof createInput>;

function revisionOf(f: Fields, ctx: RequestContext, reason: string | null): Omit<RevisionRow, 'interruption_id' | 'revision' | 'at'> {
  const started = new Date(f.startedAt);
  const ended = f.endedAt ? new Date(f.endedAt) : null;
  const problems: ErrorDetail[] = [];
  if (ended && ended <= started) problems.push({ path: '/endedAt', message: 'endedAt must be after startedAt' });
  if (f.noticeGivenAt && !f.planned) problems.push({ path: '/noticeGivenAt', message: 'only a planned interruption has a notice' });
  if (f.noticeGivenAt && new Date(f.noticeGivenAt) > started) problems.push({ path: '/noticeGivenAt', message: 'the notice must come before the interruption starts' });
  if (problems.length > 0) throw new DomainError('unprocessable', 'validation_failed', problems[0].message, problems);
  return {
    started_at: started,
    ended_at: ended,
    planned: f.planned,
    notice_given_at: f.noticeGivenAt ? new Date(f.noticeGivenAt) : null,
    cause: f.cause,
    customers: f.affected.customers,
    contract_ids: f.affected.contractIds ?? [],
    supply_zones: f.affected.supplyZones ?? [],
    addresses: f.affected.addresses ?? [],
    description: f.description,
    reason,
    actor: { type: ctx.actor.type, id: ctx.actor.id },
  };
}

const fieldsOf = (r: CurrentRow): Fields => ({
  startedAt: new Date(r.started_at).toISOString(),
  endedAt: iso(r.ended_at),
  planned: r.planned,
  noticeGivenAt: iso(r.notice_given_at),
  cause: r.cause as Cause,
  affected: { customers: r.customers, contractIds: r.contract_ids, supplyZones: r.supply_zones, addresses: r.addresses },
  description: r.description,
});

/** The utility's register of interruptions: recorded, closed and corrected as revisions, each on the organisation's audit chain. */
export function createInterruptionRegister(deps: { db: Database; audit: AuditTrail; clock?: () => Date }) {
  const { db } = deps;
  const now = deps.clock ?? (() => new Date());
  const orgOf = (ctx: RequestContext) => scopeOfContext(ctx).organisationId ?? (() => {
    throw new DomainError('forbidden', 'organisation_required', 'Interruptions belong to an organisation');
  })();

  return {
    async record(ctx: RequestContext, body: unknown): Promise<InterruptionView> {
      const parsed = createInput.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      const organisationId = orgOf(ctx);
      const revision = revisionOf(parsed.data, ctx, null);
      const id = randomUUID();
      await db.transaction(async (tx) => {
        await reliabilityRepository.insert(tx, id, organisationId, revision);
        await deps.audit.append(tx, { contractId: organisationChain(organisationId), type: 'interruption.recorded', ctx, at: now(), data: { interruptionId: id, cause: revision.cause, customers: revision.customers } });
      });
      return (await this.get(ctx, id)).current;
    },

    /** Closes or corrects an interruption: the fields given replace the current ones in a new revision. */
    async revise(ctx: RequestContext, id: string, body: unknown): Promise<InterruptionView> {
      const parsed = patchInput.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      const organisationId = orgOf(ctx);
      const { reason, affected, ...rest } = parsed.data;
      await db.transaction(async (tx) => {
        const current = await reliabilityRepository.lockCurrent(tx, organisationId, id);
        if (!current) throw new DomainError('not_found', 'interruption_not_found', `No interruption ${id}`);
        const before = fieldsOf(current);
        const merged = { ...before, ...rest, affected: { ...before.affected, ...affected } } as Fields;
        await reliabilityRepository.addRevision(tx, id, current.revision + 1, revisionOf(merged, ctx, reason));
        await deps.audit.append(tx, { contractId: organisationChain(organisationId), type: 'interruption.revised', ctx, at: now(), data: { interruptionId: id, revision: current.revision + 1, reason, changed: Object.keys({ ...rest, ...(affected ? { affected } : {}) }) } });
      });
      return (await this.get(ctx, id)).current;
    },

    async get(ctx: RequestContext, id: string): Promise<{ current: InterruptionView; revisions: InterruptionView[] }> {
      const revisions = await reliabilityRepository.revisions(db, orgOf(ctx), id);
      if (revisions.length === 0) throw new DomainError('not_found', 'interruption_not_found', `No interruption ${id}`);
      const views = revisions.map(interruptionView);
      return { current: views[views.length - 1], revisions: views };
    },

    async list(ctx: RequestContext, query: unknown): Promise<{ items: InterruptionView[] }> {
      const parsed = listQuery.safeParse(query);
      if (!parsed.success) throw invalidQuery(parsed.error);
      const q = parsed.data;
      const rows = await reliabilityRepository.overlapping(db, {
        organisationId: orgOf(ctx),
        from: q.from ? chinaInstant(q.from) : new Date(0),
        to: q.to ? chinaInstant(q.to) : new Date('9999-12-31T00:00:00Z'),
        zone: q.zone,
        cause: q.cause,
      });
      return { items: rows.map(interruptionView) };
    },
  };
}

export type InterruptionRegister = ReturnType<typeof createInterruptionRegister>;
