import { z } from 'zod';
import type { Database } from '../storage/db/database.js';
import { reliabilityRepository } from '../storage/db/reliabilityRepository.js';
import { DomainError } from '../domain/errors.js';
import { invalidBody, invalidQuery } from '../domain/validation.js';
import { scopeOfContext, type RequestContext } from '../domain/requestContext.js';
import type { PersonalData } from '../domain/personalData.js';
import type { ContractService } from '../contracts/contractService.js';
import { interruptionView, type InterruptionView } from './interruptions.js';
import { customersServed, reliabilityFigures } from './reliabilityKpi.js';
import { CHINA_UTC_OFFSET_MS, chinaYear } from '../chinaTime.js';

const HOUR = 3_600_000;

/** CNY with at most two decimals, as integer fen; amounts are never carried as floating point. */
export function fenOf(yuan: number): number {
  const fen = Math.round(yuan * 100);
  if (Math.abs(fen - yuan * 100) > 1e-6) throw new DomainError('unprocessable', 'invalid_amount', `${yuan} has more than two decimals`);
  return fen;
}
export const yuan = (fen: number) => `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;

/** A rate or percentage of the signed agreement in ten-thousandths (12.3456 → 123 456): exact up to four decimals. */
function units(value: number, what: string): bigint {
  const u = Math.round(value * 10_000);
  if (Math.abs(u - value * 10_000) > 1e-6) throw new DomainError('unprocessable', 'unsupported_precision', `${what} ${value} has more than four decimals`);
  return BigInt(u);
}
/** n ÷ d rounded half up, in integers. */
const divRound = (n: bigint, d: bigint) => Number((n * 2n + d) / (2n * d));

interface Terms {
  site: { address: string; supplyZone?: string };
  period: { startDate: string; endDate: string };
  target: { annualInterruptionHours: number; maxSingleInterruptionHours: number; plannedNoticeHours: number };
  compensation: { method: 'per_hour' | 'bill_percent'; rate: number; singleEventPayment?: number; capPercentOfAnnualBill?: number };
}

const periodQuery = z.object({ period: z.coerce.number().int().min(2000).max(2100).optional() });
const billInput = z.object({ period: z.number({ message: 'period is required: the year, e.g. 2025' }).int().min(2000).max(2100), annualBill: z.number({ message: 'annualBill is required, in CNY' }).min(0).max(1e9) }).strict();

/** The calendar months an assessment window touches (12 for a calendar year): the divisor of the monthly average bill. */
function monthsIn(window: { from: number; to: number }): number {
  const a = new Date(window.from + CHINA_UTC_OFFSET_MS);
  const b = new Date(window.to - 1 + CHINA_UTC_OFFSET_MS);
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth() + 1;
}

/** [00:00 of startDate, 00:00 after endDate) in China time, within the calendar year asked for. */
function assessed(terms: Terms, year: number): { from: number; to: number } {
  const start = Date.parse(`${terms.period.startDate}T00:00:00+08:00`);
  const end = Date.parse(`${terms.period.endDate}T00:00:00+08:00`) + 86_400_000;
  const y = chinaYear(year);
  return { from: Math.max(start, y.from), to: Math.min(end, y.to) };
}

/**
 * What a signed reliability agreement owes its customer, by its own text (补偿规则): when the supplier's
 * system average interruption time over the assessment period exceeds the target, each hour over (a part
 * hour as a whole) pays `rate` CNY, or `rate` % of the customer's average monthly bill; each interruption of
 * this customer (named by the contract, its supply zone or its address) that lasted over the single maximum
 * or was planned without the agreed notice pays `singleEventPayment`; the total is capped at
 * `capPercentOfAnnualBill` % of the period's bill. Integer arithmetic throughout, rounded once per amount.
 */
export function createCompensation(deps: { db: Database; contracts: Pick<ContractService, 'row'>; personalData: PersonalData; clock?: () => Date }) {
  const { db } = deps;
  const now = deps.clock ?? (() => new Date());

  async function agreement(ctx: RequestContext, id: string) {
    const row = await deps.contracts.row(scopeOfContext(ctx), id);
    if (row.template_id !== 'reliability-agreement') throw new DomainError('conflict', 'not_a_reliability_agreement', 'Only a reliability agreement owes compensation');
    if (row.status !== 'completed') throw new DomainError('conflict', 'agreement_not_in_force', `The agreement is ${row.status}: only one signed by both parties is in force`);
    return { row, terms: deps.personalData.openVariables(row.id, row.variables as Record<string, unknown>) as unknown as Terms };
  }

  return {
    async setBill(ctx: RequestContext, id: string, body: unknown) {
      const parsed = billInput.safeParse(body ?? {});
      if (!parsed.success) throw invalidBody(parsed.error);
      const { row } = await agreement(ctx, id);
      const fen = fenOf(parsed.data.annualBill);
      await reliabilityRepository.setBill(db, row.id, parsed.data.period, fen, ctx.actor.id);
      return { contractId: row.id, period: parsed.data.period, annualBill: yuan(fen) };
    },

    async assess(ctx: RequestContext, id: string, query: unknown) {
      const parsed = periodQuery.safeParse(query);
      if (!parsed.success) throw invalidQuery(parsed.error);
      const { row, terms } = await agreement(ctx, id);
      const year = parsed.data.period ?? Number(terms.period.startDate.slice(0, 4));
      const window = assessed(terms, year);
      if (window.from >= window.to) throw new DomainError('unprocessable', 'period_outside_agreement', `The agreement runs ${terms.period.startDate} to ${terms.period.endDate}, not in ${year}`);
      const t = terms.target;
      const c = terms.compensation;
      const at = now();
      // The agreement's KPI is the supplier's whole system over the assessment period (§ 绩效指标), as the plan defines it.
      const served = await customersServed(db, row.organisation_id, year, undefined, at);
      const system = (await reliabilityRepository.overlapping(db, { organisationId: row.organisation_id, from: new Date(window.from), to: new Date(window.to) })).map(interruptionView);
      const figures = reliabilityFigures(system, window, served.customers, at);
      // Hours over the target, a part hour counting as a whole one (不足 1 小时的按 1 小时计算), compared exactly.
      const overMs = BigInt(figures.customerMs.kpi) - BigInt(Math.round(t.annualInterruptionHours * HOUR)) * BigInt(served.customers);
      const perHour = BigInt(HOUR) * BigInt(served.customers);
      const overHours = overMs > 0n ? Number((overMs + perHour - 1n) / perHour) : 0;

      // Of the system's interruptions, those this customer had (named by the contract, its supply zone or its
      // address), and the terms each broke (单次停水超过上限或者计划停水未按约定提前通知).
      const matchOf = (it: InterruptionView) =>
        it.affected.contractIds.includes(row.id) ? 'contract'
          : terms.site.supplyZone && it.affected.supplyZones.includes(terms.site.supplyZone) ? 'supply_zone'
            : it.affected.addresses.includes(terms.site.address) ? 'address' : undefined;
      const interruptions = system.flatMap((it) => {
        const matchedBy = matchOf(it);
        if (!matchedBy) return [];
        const s = Date.parse(it.startedAt);
        const e = it.endedAt ? Date.parse(it.endedAt) : Math.max(s, at.getTime());
        const breaches: string[] = [];
        if (e - s > t.maxSingleInterruptionHours * HOUR) breaches.push('over_single_maximum');
        if (it.planned && (!it.noticeGivenAt || s - Date.parse(it.noticeGivenAt) < t.plannedNoticeHours * HOUR)) breaches.push('insufficient_notice');
        return [{ id: it.id, startedAt: it.startedAt, endedAt: it.endedAt, cause: it.cause, excludedFromKpi: it.excludedFromKpi, planned: it.planned, matchedBy, hours: Math.round((Math.max(0, e - s) / HOUR) * 100) / 100, breaches }];
      });

      const bill = await reliabilityRepository.bill(db, row.id, year);
      const lines: string[] = [];
      let owed = 0;
      if (overHours > 0 && c.method === 'per_hour') {
        const part = divRound(units(c.rate, 'compensation.rate') * BigInt(overHours), 100n);
        lines.push(`年度系统平均停水时间 ${figures.systemAverageInterruptionHours.kpi} 小时/户，超过目标 ${t.annualInterruptionHours} 小时，按 ${overHours} 小时计 × ${c.rate} 元/小时 = ${yuan(part)} 元`);
        owed += part;
      } else if (overHours > 0 && bill !== undefined) {
        // rate % of the customer's average monthly bill over the period, per hour over the target.
        const months = monthsIn(window);
        const part = divRound(BigInt(bill) * units(c.rate, 'compensation.rate') * BigInt(overHours), BigInt(months) * 100n * 10_000n);
        lines.push(`年度系统平均停水时间 ${figures.systemAverageInterruptionHours.kpi} 小时/户，超过目标 ${t.annualInterruptionHours} 小时，按 ${overHours} 小时计 × 月平均水费 ${yuan(bill)} ÷ ${months} 元 × ${c.rate}% = ${yuan(part)} 元`);
        owed += part;
      }
      const events = interruptions.filter((i) => i.breaches.length > 0).length;
      if (events > 0 && c.singleEventPayment) {
        const part = divRound(units(c.singleEventPayment, 'compensation.singleEventPayment') * BigInt(events), 100n);
        lines.push(`单次停水超过 ${t.maxSingleInterruptionHours} 小时或计划停水未提前 ${t.plannedNoticeHours} 小时通知 ${events} 次 × ${c.singleEventPayment} 元 = ${yuan(part)} 元`);
        owed += part;
      }
      let capFen: number | null = null;
      if (c.capPercentOfAnnualBill !== undefined && bill !== undefined) {
        capFen = divRound(BigInt(bill) * units(c.capPercentOfAnnualBill, 'compensation.capPercentOfAnnualBill'), 100n * 10_000n);
        if (owed > capFen) {
          lines.push(`合计 ${yuan(owed)} 元超过上限（考核期水费 ${yuan(bill)} 元 × ${c.capPercentOfAnnualBill}% = ${yuan(capFen)} 元），按上限补偿`);
          owed = capFen;
        }
      }
      const needsBill = bill === undefined && ((c.method === 'bill_percent' && overHours > 0) || c.capPercentOfAnnualBill !== undefined);
      return {
        contractId: row.id,
        contractNumber: row.contract_number,
        period: { year, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), closed: window.to <= at.getTime() },
        terms: t,
        system: { customersServed: served, systemAverageInterruptionHours: figures.systemAverageInterruptionHours, targetHours: t.annualInterruptionHours, overTargetHours: overHours },
        interruptions,
        compensation: {
          method: c.method,
          periodBill: bill === undefined ? null : yuan(bill),
          cap: capFen === null ? null : yuan(capFen),
          owedFen: owed,
          owed: yuan(owed),
          arithmetic: lines,
          ...(needsBill ? { incomplete: `The customer's water bill for the period is not known: PUT /api/v1/contracts/${row.id}/reliability/bill {period, annualBill}` } : {}),
        },
      };
    },
  };
}

export type Compensation = ReturnType<typeof createCompensation>;
