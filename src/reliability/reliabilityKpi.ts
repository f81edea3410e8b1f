import { z } from 'zod';
import type { Database } from '../storage/db/database.js';
import { reliabilityRepository } from '../storage/db/reliabilityRepository.js';
import { organisationChain, type AuditTrail } from '../audit/auditTrail.js';
import { DomainError } from '../domain/errors.js';
import { invalidBody, invalidQuery } from '../domain/validation.js';
import { scopeOfContext, type RequestContext } from '../domain/requestContext.js';
import { CHINA_UTC_OFFSET_MS, chinaYear } from '../chinaTime.js';
import { CAUSES, EXCLUDED_CAUSES, interruptionView, type Cause, type InterruptionView } from './interruptions.js';

const year = z.coerce.number({ message: 'year is required, e.g. 2025' }).int().min(2000).max(2100);
const kpiQuery = z.object({ year, zone: z.string().min(1).max(200).optional() });
const servedInput = z.object({
  year: z.number({ message: 'year is required' }).int().min(2000).max(2100),
  zone: z.string().trim().min(1).max(200).optional(),
  customers: z.number({ message: 'customers is required: how many customers the system (or zone) serves' }).int().min(1).max(100_000_000),
}).strict();

export const KPI_DEFINITION = {
  indicator: 'system average interruption time (系统平均停水时间), hours per customer served in the year',
  formula: 'Σ (hours of the interruption within the year × customers affected) ÷ customers served',
  kpiExcludes: 'interruptions caused by equipment maintenance or renovation, reduced raw-water volume and municipal power failures (the plan, §三(六))',
  ongoing: 'an interruption not yet ended counts up to now (or the end of the year, if earlier)',
  months: 'hours are attributed to the China-time month in which they fell',
  customersServed: 'the figure the utility supplied for the year (and zone), otherwise the organisation\'s water supply contracts in force at the end of the year',
};

const HOUR = 3_600_000;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** [start, end) of each China-time month that [from, to) touches, clipped to it. */
function monthsOf(from: number, to: number): Array<{ month: string; from: number; to: number }> {
  const out: Array<{ month: string; from: number; to: number }> = [];
  const local = new Date(from + CHINA_UTC_OFFSET_MS);
  for (let y = local.getUTCFullYear(), m = local.getUTCMonth(); ; m++) {
    const start = Date.UTC(y, m, 1) - CHINA_UTC_OFFSET_MS;
    if (start >= to) break;
    const end = Date.UTC(y, m + 1, 1) - CHINA_UTC_OFFSET_MS;
    const d = new Date(start + CHINA_UTC_OFFSET_MS);
    out.push({ month: `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`, from: Math.max(start, from), to: Math.min(end, to) });
  }
  return out;
}

const overlapMs = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/**
 * The plan's reliability KPI over [from, to) (a year, or an agreement's assessment period), from the
 * interruptions as they now stand: customer-hours by month and cause, divided by customers served, with and
 * without the excluded causes. Customer-hours are summed in customer-milliseconds (integers) and divided once;
 * `customerMs.kpi` is that exact sum, for comparisons that must not round.
 */
export function reliabilityFigures(items: InterruptionView[], window: { from: number; to: number }, customersServed: number, now: Date) {
  const months = monthsOf(window.from, window.to);
  const byMonth = months.map((m) => ({ month: m.month, all: 0, kpi: 0 }));
  const byCause = new Map<Cause, { count: number; customerMs: number }>();
  let all = 0;
  let kpi = 0;
  let longest: { id: string; hours: number; cause: Cause } | null = null;
  for (const it of items) {
    const s = Date.parse(it.startedAt);
    const e = it.endedAt ? Date.parse(it.endedAt) : Math.min(now.getTime(), window.to);
    const counted = !it.excludedFromKpi;
    let inWindow = 0;
    months.forEach((m, i) => {
      const ms = overlapMs(s, e, m.from, m.to) * it.affected.customers;
      byMonth[i].all += ms;
      if (counted) byMonth[i].kpi += ms;
      inWindow += ms;
    });
    all += inWindow;
    if (counted) kpi += inWindow;
    const c = byCause.get(it.cause) ?? { count: 0, customerMs: 0 };
    byCause.set(it.cause, { count: c.count + 1, customerMs: c.customerMs + inWindow });
    const hours = Math.max(0, e - s) / HOUR;
    if (overlapMs(s, e, window.from, window.to) > 0 && (!longest || hours > longest.hours)) longest = { id: it.id, hours: round4(hours), cause: it.cause };
  }
  const perCustomer = (customerMs: number) => round4(customerMs / HOUR / customersServed);
  return {
    systemAverageInterruptionHours: { all: perCustomer(all), kpi: perCustomer(kpi) },
    customerHours: { all: round4(all / HOUR), kpi: round4(kpi / HOUR) },
    customerMs: { all, kpi },
    interruptions: items.length,
    longest,
    byMonth: byMonth.map((m) => ({ month: m.month, customerHours: round4(m.all / HOUR), hoursPerCustomer: { all: perCustomer(m.all), kpi: perCustomer(m.kpi) } })),
    byCause: CAUSES.filter((c) => byCause.has(c)).map((c) => ({ cause: c, excludedFromKpi: EXCLUDED_CAUSES.includes(c), count: byCause.get(c)!.count, customerHours: round4(byCause.get(c)!.customerMs / HOUR) })),
  };
}

/** How many customers the organisation (or a zone) serves in a year: the figure it gave, else its water supply contracts in force. */
export async function customersServed(db: Database, organisationId: string, y: number, zone: string | undefined, now: Date): Promise<{ customers: number; source: 'supplied' | 'contracts' }> {
  const supplied = await reliabilityRepository.customersServed(db, organisationId, y, zone ?? '');
  if (supplied !== undefined) return { customers: supplied, source: 'supplied' };
  if (zone) {
    throw new DomainError('unprocessable', 'customers_served_unknown', `How many customers zone ${zone} serves in ${y} is not known: PUT /api/v1/reliability/customers-served {year, zone, customers}`);
  }
  const end = new Date(chinaYear(y).to);
  const contracts = await reliabilityRepository.activeSupplyContracts(db, organisationId, end < now ? end : now);
  if (contracts === 0) throw new DomainError('unprocessable', 'customers_served_unknown', `No water supply contract is in force and no figure was given for ${y}: PUT /api/v1/reliability/customers-served {year, customers}`);
  return { customers: contracts, source: 'contracts' };
}

export function createReliabilityKpi(deps: { db: Database; audit: AuditTrail; clock?: () => Date }) {
  const { db } = deps;
  const now = deps.clock ?? (() => new Date());
  const orgOf = (ctx: RequestContext) => {
    const id = scopeOfContext(ctx).organisationId;
    if (!id) throw new DomainError('forbidden', 'organisation_required', 'The KPI is an organisation\'s');
    return id;
  };

  return {
    async setCustomersServed(ctx: RequestContext, body: unknown) {
      const parsed = servedInput.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      const { year: y, zone, customers } = parsed.data;
      const organisationId = orgOf(ctx);
      await db.transaction(async (tx) => {
        await reliabilityRepository.setCustomersServed(tx, organisationId, y, zone ?? '', customers, ctx.actor.id);
        await deps.audit.append(tx, { contractId: organisationChain(organisationId), type: 'reliability.customers_served_set', ctx, at: now(), data: { year: y, zone: zone ?? null, customers } });
      });
      return { year: y, zone: zone ?? null, customers };
    },

    async kpi(ctx: RequestContext, query: unknown) {
      const parsed = kpiQuery.safeParse(query);
      if (!parsed.success) throw invalidQuery(parsed.error);
      const { year: y, zone } = parsed.data;
      const organisationId = orgOf(ctx);
      const year = chinaYear(y);
      const from = new Date(year.from);
      const to = new Date(year.to);
      const served = await customersServed(db, organisationId, y, zone, now());
      const items = (await reliabilityRepository.overlapping(db, { organisationId, from, to, zone })).map(interruptionView);
      const { customerMs: _exact, ...figures } = reliabilityFigures(items, { from: from.getTime(), to: to.getTime() }, served.customers, now());
      return {
        year: y,
        zone: zone ?? null,
        customersServed: served,
        definition: KPI_DEFINITION,
        excludedCauses: EXCLUDED_CAUSES,
        ...figures,
      };
    },
  };
}

export type ReliabilityKpi = ReturnType<typeof createReliabilityKpi>;
