import { z } from 'zod';
import type { Queryable } from '../storage/db/database.js';
import type { WorkingCalendar } from './calendar/workingCalendar.js';
import { DomainError } from '../domain/errors.js';
import { invalidQuery } from '../domain/validation.js';
import { chinaDay, chinaInstant, chinaMidnight } from '../chinaTime.js';

const statsInput = z.object({
  from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 time, e.g. 2026-10-01T00:00:00+08:00' }).or(z.iso.date()),
  to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 time' }).or(z.iso.date()),
  templateId: z.string().min(1).max(100).optional(),
});

/** Working days from creation to completion, as the distribution counts them: 0, 1, 2 … and the rest together. */
const DISTRIBUTION_CAP = 5;
/** A leap year and a little: the per-day series stays a page long. */
const MAX_PERIOD_DAYS = 370;

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

const share = (n: number, of: number) => (of === 0 ? null : Math.round((n / of) * 10_000) / 10_000);

/**
 * The indicators the Sanya plan reports, over contracts created in [from, to): how many, how many
 * completed, working days from creation to completion, and the shares met in time, declined, expired.
 */
export async function contractStatistics(db: Queryable, calendar: WorkingCalendar, organisationId: string, query: unknown) {
  const parsed = statsInput.safeParse(query);
  if (!parsed.success) {
    throw invalidQuery(parsed.error);
  }
  // A bare date is a China calendar day, not UTC midnight.
  const from = chinaInstant(parsed.data.from);
  const to = chinaInstant(parsed.data.to);
  if (from >= to) throw new DomainError('invalid', 'invalid_query', 'from must be before to', [{ path: '/to', message: 'must be after from' }]);
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 86_400_000) {
    throw new DomainError('invalid', 'invalid_query', `A period is at most ${MAX_PERIOD_DAYS} days; ask for a year at a time`, [{ path: '/to', message: `at most ${MAX_PERIOD_DAYS} days after from` }]);
  }
  const rows = (
    await db.query<{ status: string; priority: boolean; created_at: Date; completed_at: Date | null; deadline: Date; template_id: string }>(
      `SELECT status, priority, created_at, completed_at, COALESCE(first_deadline, deadline) AS deadline, template_id FROM contracts
       WHERE organisation_id = $3 AND created_at >= $1 AND created_at < $2 AND ($4::text IS NULL OR template_id = $4::text)`,
      [from, to, organisationId, parsed.data.templateId ?? null],
    )
  ).rows;
  const completed = rows.filter((r) => r.status === 'completed');
  const days = completed.map((r) => calendar.workingDaysBetween(new Date(r.created_at), new Date(r.completed_at!))).sort((a, b) => a - b);
  const byStatus: Record<string, number> = {};
  for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const byTemplate: Record<string, number> = {};
  for (const r of rows) byTemplate[r.template_id] = (byTemplate[r.template_id] ?? 0) + 1;
  // Per China day of the period: contracts created that day, and (of those created in the period) completed that day.
  const perDay = new Map<string, { created: number; completed: number }>();
  // Every China day the period touches, whatever hour it starts and ends at.
  for (let d = chinaMidnight(chinaDay(from)).getTime(); d < to.getTime(); d += 86_400_000) perDay.set(chinaDay(new Date(d)), { created: 0, completed: 0 });
  for (const r of rows) {
    perDay.get(chinaDay(new Date(r.created_at)))!.created++;
    const done = r.completed_at && perDay.get(chinaDay(new Date(r.completed_at)));
    if (done) done.completed++;
  }
  const distribution: Record<string, number> = {};
  for (let d = 0; d < DISTRIBUTION_CAP; d++) distribution[String(d)] = 0;
  distribution[`${DISTRIBUTION_CAP}+`] = 0;
  for (const d of days) distribution[d >= DISTRIBUTION_CAP ? `${DISTRIBUTION_CAP}+` : String(d)]++;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    created: rows.length,
    completed: completed.length,
    priority: rows.filter((r) => r.priority).length,
    byStatus,
    byTemplate,
    workingDaysToComplete: { median: percentile(days, 0.5), p90: percentile(days, 0.9), distribution },
    perDay: [...perDay].map(([day, v]) => ({ day, ...v })),
    // Of the contracts issued, the share signed by every party electronically (the plan's 电子合同使用率 as this service sees it).
    eContractUseRate: share(completed.length, rows.length),
    shareCompletedWithinDeadline: share(completed.filter((r) => new Date(r.completed_at!) <= new Date(r.deadline)).length, rows.length),
    shareDeclined: share(byStatus.declined ?? 0, rows.length),
    shareExpired: share(byStatus.expired ?? 0, rows.length),
    shareVoided: share(byStatus.voided ?? 0, rows.length),
  };
}
