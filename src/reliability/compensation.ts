import { z } from 'zod';
import type { Database } from '../storage/db/database.js';
import { reliabilityRepository } from '../storage/db/reliabilityRepository.js';
import { DomainError } from '../domain/errors.js';
import { scopeOfContext, type RequestContext } from '../domain/requestContext.js';
import type { PersonalData } from '../domain/personalData.js';
import type { ContractService } from '../contracts/contractService.js';
import { interruptionView, type InterruptionView } from './interruptions.js';

const MINUTE = 60_000;

/** CNY with at most two decimals, as integer fen; amounts are never carried as floating point. */
export function fenOf(yuan: number): number {
  const fen = Math.round(yuan * 100);
  if (Math.abs(fen - yuan * 100) > 1e-6) throw new DomainError('unprocessable', 'invalid_amount', `${yuan} has more than two decimals`);
  return fen;
}
export const yuan = (fen: number) => `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;
/** a × b ÷ c, rounded half up, in integers (BigInt: a bill in fen times basis points times minutes outgrows 2^53). */
const mulDiv = (a: number, b: number, c: number) => Number((BigInt(a) * BigInt(b) * 2n + BigInt(c)) / (2n * BigInt(c)));

interface Terms {
  site: { address: string; supplyZone?: string };
  period: { startDate: string; endDate: string };
  target: { annualInterruptionHours: number; maxSingleInterruptionHours: number; plannedNoticeHours: number };
  compensation: { method: 'per_hour' | 'bill_percent'; rate: number; singleEventPayment?: number; capPercentOfAnnualBill?: number };
}

const periodQuery = z.object({ period: z.coerce.number().int().min(2000).max(2100).optional() });
const billInput = z.object({ period: z.number({ message: 'period is required: the year, e.g. 2025' }).int().min(2000).max(2100), annualBill: z.number({ message: 'annualBill is required, in CNY' }).min(0).max(1e9) }).strict();

/** [00:00 of startDate, 00:00 after endDate) in China time, within the calendar year asked for. */
function assessed(terms: Terms, year: number): { from: number; to: number } {
  const start = Date.parse(`${terms.period.startDate}T00:00:00+08:00`);
  const end = Date.parse(`${terms.period.endDate}T00:00:00+08:00`) + 86_400_000;
  return { from: Math.max(start, Date.parse(`${year}-01-01T00:00:00+08:00`)), to: Math.min(end, Date.parse(`${year + 1}-01-01T00:00:00+08:00`)) };
}

/**
 * What a signed reliability agreement owes its customer for a year: the interruptions that affected it (named
 * by the contract, its supply zone or its address), each checked against the single-event maximum (the
 * causes the plan excludes are the utility's to schedule or beyond it, and are not held to it) and, when
 * planned, the agreed notice; the year's total of counted hours against the target; and the agreement's
 * own rule, capped at its share of the annual bill, with the arithmetic shown. Integer fen throughout.
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
      if (!parsed.success) throw new DomainError('unprocessable', 'validation_failed', parsed.error.issues[0].message, parsed.error.issues.map((i) => ({ path: `/${i.path.join('/')}`, message: i.message })));
      const { row } = await agreement(ctx, id);
      const fen = fenOf(parsed.data.annualBill);
      await reliabilityRepository.setBill(db, row.id, parsed.data.period, fen, ctx.actor.id);
      return { contractId: row.id, period: parsed.data.period, annualBill: yuan(fen) };
    },

    async assess(ctx: RequestContext, id: string, query: unknown) {
      const parsed = periodQuery.safeParse(query);
      if (!parsed.success) throw new DomainError('invalid', 'invalid_query', parsed.error.issues[0].message);
      const { row, terms } = await agreement(ctx, id);
      const year = parsed.data.period ?? Number(terms.period.startDate.slice(0, 4));
      const window = assessed(terms, year);
      if (window.from >= window.to) throw new DomainError('unprocessable', 'period_outside_agreement', `The agreement runs ${terms.period.startDate} to ${terms.period.endDate}, not in ${year}`);
      const rows = await reliabilityRepository.overlapping(db, {
        organisationId: row.organisation_id, from: new Date(window.from), to: new Date(window.to),
        affecting: { contractId: row.id, zone: terms.site.supplyZone ?? '', address: terms.site.address },
      });
      const t = terms.target;
      let countedMinutes = 0;
      const interruptions = rows.map((r) => {
        const it: InterruptionView = interruptionView(r);
        const matchedBy = it.affected.contractIds.includes(row.id) ? 'contract' : terms.site.supplyZone && it.affected.supplyZones.includes(terms.site.supplyZone) ? 'supply_zone' : 'address';
        const s = Date.parse(it.startedAt);
        const e = it.endedAt ? Date.parse(it.endedAt) : now().getTime();
        const minutesInPeriod = Math.round((Math.min(e, window.to) - Math.max(s, window.from)) / MINUTE);
        const breaches: string[] = [];
        if (!it.excludedFromKpi && e - s > t.maxSingleInterruptionHours * 60 * MINUTE) breaches.push('over_single_maximum');
        if (it.planned && (!it.noticeGivenAt || s - Date.parse(it.noticeGivenAt) < t.plannedNoticeHours * 60 * MINUTE)) breaches.push('insufficient_notice');
        if (!it.excludedFromKpi) countedMinutes += minutesInPeriod;
        return { id: it.id, startedAt: it.startedAt, endedAt: it.endedAt, cause: it.cause, excludedFromKpi: it.excludedFromKpi, planned: it.planned, matchedBy, hoursInPeriod: Math.round((minutesInPeriod / 60) * 100) / 100, breaches };
      });
      const overMinutes = Math.max(0, countedMinutes - t.annualInterruptionHours * 60);
      const c = terms.compensation;
      const bill = await reliabilityRepository.bill(db, row.id, year);
      const lines: string[] = [];
      let owed = 0;
      if (overMinutes > 0) {
        if (c.method === 'per_hour') {
          const part = mulDiv(fenOf(c.rate), overMinutes, 60);
          lines.push(`超出年度目标 ${overMinutes} 分钟 × ${yuan(fenOf(c.rate))} 元/小时 ÷ 60 = ${yuan(part)} 元`);
          owed += part;
        } else if (bill !== undefined) {
          // rate: percent of the annual bill per hour over the target, in hundredths of a percent.
          const part = mulDiv(bill * Math.round(c.rate * 100), overMinutes, 100 * 100 * 60);
          lines.push(`超出年度目标 ${overMinutes} 分钟 × 年度水费 ${yuan(bill)} 元 × ${c.rate}%/小时 ÷ 60 = ${yuan(part)} 元`);
          owed += part;
        }
      }
      const overLong = interruptions.filter((i) => i.breaches.includes('over_single_maximum')).length;
      if (overLong > 0 && c.singleEventPayment) {
        const part = overLong * fenOf(c.singleEventPayment);
        lines.push(`单次停水超过 ${t.maxSingleInterruptionHours} 小时 ${overLong} 次 × ${yuan(fenOf(c.singleEventPayment))} 元 = ${yuan(part)} 元`);
        owed += part;
      }
      let capFen: number | null = null;
      if (c.capPercentOfAnnualBill !== undefined && bill !== undefined) {
        capFen = mulDiv(bill, Math.round(c.capPercentOfAnnualBill * 100), 100 * 100);
        if (owed > capFen) {
          lines.push(`合计 ${yuan(owed)} 元超过上限（年度水费 ${yuan(bill)} 元 × ${c.capPercentOfAnnualBill}% = ${yuan(capFen)} 元），按上限补偿`);
          owed = capFen;
        }
      }
      const needsBill = bill === undefined && (c.method === 'bill_percent' || c.capPercentOfAnnualBill !== undefined);
      return {
        contractId: row.id,
        contractNumber: row.contract_number,
        period: { year, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), closed: window.to <= now().getTime() },
        terms: t,
        interruptions,
        annual: { countedHours: Math.round((countedMinutes / 60) * 100) / 100, targetHours: t.annualInterruptionHours, overTargetHours: Math.round((overMinutes / 60) * 100) / 100 },
        compensation: {
          method: c.method,
          annualBill: bill === undefined ? null : yuan(bill),
          cap: capFen === null ? null : yuan(capFen),
          owedFen: owed,
          owed: yuan(owed),
          arithmetic: lines,
          ...(needsBill ? { incomplete: `The annual bill for ${year} is not known: PUT /api/v1/contracts/${row.id}/reliability/bill {period, annualBill}` } : {}),
        },
      };
    },
  };
}

export type Compensation = ReturnType<typeof createCompensation>;
