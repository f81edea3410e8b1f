import type { WorkingCalendar } from './calendar/workingCalendar.js';

export type Sla = 'on_track' | 'at_risk' | 'overdue' | 'met' | 'missed';

export interface DeadlinePolicy {
  /** Working days a contract has to be completed in (the seed: 2). */
  workingDays: number;
  /** Green channel (绿色通道): key projects get a shorter deadline. */
  priorityWorkingDays: number;
}

export interface DeadlineView {
  deadline: string;
  workingDays: number;
  workingDaysElapsed: number;
  sla: Sla;
}

/**
 * Where a contract stands against its deadline. An open contract is at risk on the last working day
 * before its deadline and overdue after it; a closed one met it only if it completed in time.
 */
export function deadlineView(
  calendar: WorkingCalendar,
  c: { created_at: Date; deadline: Date; deadline_working_days: number; status: string; completed_at: Date | null; closed_at: Date | null },
  now: Date,
): DeadlineView {
  const deadline = new Date(c.deadline);
  const end = c.completed_at ?? c.closed_at ?? now;
  const elapsed = calendar.workingDaysBetween(new Date(c.created_at), new Date(end));
  let sla: Sla;
  if (c.status === 'completed') sla = new Date(c.completed_at!) <= deadline ? 'met' : 'missed';
  else if (c.status !== 'awaiting_signatures' && c.status !== 'partially_signed') sla = 'missed';
  else if (now > deadline) sla = 'overdue';
  else sla = calendar.dayOf(now) >= calendar.dayOf(new Date(deadline.getTime() - 1)) ? 'at_risk' : 'on_track';
  return { deadline: deadline.toISOString(), workingDays: c.deadline_working_days, workingDaysElapsed: elapsed, sla };
}
