import { z } from 'zod';
import type { Queryable } from '../storage/db/database.js';
import type { WorkingCalendar } from './calendar/workingCalendar.js';
import { DomainError } from '../domain/errors.js';

const statsInput = z.object({
  from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 time, e.g. 2026-10-01T00:00:00+08:00' }).or(z.iso.date()),
  to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 time' }).or(z.iso.date()),
});

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
    throw new DomainError('invalid', 'invalid_query', parsed.error.issues[0].message,
      parsed.error.issues.map((i) => ({ path: `/${i.path.join('/')}`, message: i.message })));
  }
  // A bare date is a China calendar day, not UTC midnight.
  const instant = (v: string) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00+08:00` : v);
  const from = instant(parsed.data.from);
  const to = instant(parsed.data.to);
  if (from >= to) throw new DomainError('invalid', 'invalid_query', 'from must be before to', [{ path: '/to', message: 'must be after from' }]);
  const rows = (
    await db.query<{ status: string; priority: boolean; created_at: Date; completed_at: Date | null; deadline: Date; template_id: string }>(
      `SELECT status, priority, created_at, completed_at, deadline, template_id FROM contracts WHERE organisation_id = $3 AND created_at >= $1 AND created_at < $2`,
      [from, to, organisationId],
    )
  ).rows;
  const completed = rows.filter((r) => r.status === 'completed');
  const days = completed.map((r) => calendar.workingDaysBetween(new Date(r.created_at), new Date(r.completed_at!))).sort((a, b) => a - b);
  const byStatus: Record<string, number> = {};
  for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const byTemplate: Record<string, number> = {};
  for (const r of rows) byTemplate[r.template_id] = (byTemplate[r.template_id] ?? 0) + 1;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    created: rows.length,
    completed: completed.length,
    priority: rows.filter((r) => r.priority).length,
    byStatus,
    byTemplate,
    workingDaysToComplete: { median: percentile(days, 0.5), p90: percentile(days, 0.9) },
    shareCompletedWithinDeadline: share(completed.filter((r) => new Date(r.completed_at!) <= new Date(r.deadline)).length, rows.length),
    shareDeclined: share(byStatus.declined ?? 0, rows.length),
    shareExpired: share(byStatus.expired ?? 0, rows.length),
    shareVoided: share(byStatus.voided ?? 0, rows.length),
  };
}
