import { describe, expect, it } from 'vitest';
import { createWorkingCalendar } from '../src/contracts/calendar/workingCalendar.js';
import { deadlineView } from '../src/contracts/deadlines.js';

const china = (local: string) => new Date(`${local}+08:00`);
const at = (local: string) => china(local).toISOString();

describe('working days on China\'s official calendar', () => {
  const calendar = createWorkingCalendar();

  it('knows 2026 National Day and its make-up workdays (调休)', () => {
    expect(calendar.isWorkday('2026-10-01')).toBe(false);
    expect(calendar.isWorkday('2026-10-07')).toBe(false);
    expect(calendar.isWorkday('2026-10-08')).toBe(true);
    // Saturday 10 October and Sunday 20 September 2026 are make-up workdays.
    expect(calendar.isWorkday('2026-10-10')).toBe(true);
    expect(calendar.isWorkday('2026-09-20')).toBe(true);
    expect(calendar.isWorkday('2026-10-11')).toBe(false);
  });

  it('counts a 2-working-day deadline across the holiday', () => {
    // Created on Wednesday 30 September: the next working days are 8 and 9 October.
    expect(calendar.deadlineAfter(china('2026-09-30T10:00:00'), 2).toISOString()).toBe(china('2026-10-10T00:00:00').toISOString());
    // Three working days reach the make-up Saturday.
    expect(calendar.deadlineAfter(china('2026-09-30T10:00:00'), 3).toISOString()).toBe(china('2026-10-11T00:00:00').toISOString());
    // Late on a Friday evening in China is still Friday, although it is Friday afternoon in UTC.
    expect(calendar.dayOf(china('2026-11-27T23:30:00'))).toBe('2026-11-27');
    expect(calendar.deadlineAfter(china('2026-11-27T23:30:00'), 1).toISOString()).toBe(china('2026-12-01T00:00:00').toISOString());
  });

  it('counts working days elapsed', () => {
    expect(calendar.workingDaysBetween(china('2026-09-30T10:00:00'), china('2026-10-07T12:00:00'))).toBe(0);
    expect(calendar.workingDaysBetween(china('2026-09-30T10:00:00'), china('2026-10-09T09:00:00'))).toBe(2);
  });

  it('uses the local override for a year the package does not know, and warns without one', () => {
    const warnings: string[] = [];
    const withOverride = createWorkingCalendar(
      { years: { '2031': { holidays: ['2031-01-01', '2031-01-02'], workdays: ['2031-01-04'] } } },
      (m) => warnings.push(m),
    );
    expect(withOverride.isWorkday('2031-01-01')).toBe(false);
    expect(withOverride.isWorkday('2031-01-04')).toBe(true); // a Saturday made a workday
    expect(withOverride.isWorkday('2031-01-06')).toBe(true);
    expect(warnings).toEqual([]);
    const bare = createWorkingCalendar({ years: {} }, (m) => warnings.push(m));
    expect(bare.isWorkday('2032-01-05')).toBe(true);
    expect(bare.isWorkday('2032-01-03')).toBe(false);
    // Once per year, however many of its days are asked about.
    expect(bare.isWorkday('2032-01-06')).toBe(true);
    expect(warnings).toEqual(['no official calendar for 2032: counting weekends only; add the year to the calendar overrides']);
  });
});

describe('the day counts in China time, also between 00:00 and 08:00 when UTC is still on the day before', () => {
  const calendar = createWorkingCalendar();

  it.each([
    // [created (China time), working days, deadline (China time)]
    ['2026-11-24T07:30:00', 2, '2026-11-27T00:00:00'], // Tuesday morning, Monday 23:30 in UTC
    ['2026-11-23T23:59:59.999', 2, '2026-11-26T00:00:00'], // the last instant of Monday
    ['2026-11-24T00:00:00', 2, '2026-11-27T00:00:00'], // the first instant of Tuesday, Monday 16:00 in UTC
    ['2026-11-24T07:59:59.999', 0, '2026-11-25T00:00:00'], // 0 working days: the end of the same China day
    ['2026-10-08T00:30:00', 1, '2026-10-10T00:00:00'], // the first working day after National Day, still the holiday in UTC
    ['2026-09-30T07:59:00', 2, '2026-10-10T00:00:00'], // the last working day before it, still 29 September in UTC
    ['2026-10-10T06:00:00', 1, '2026-10-13T00:00:00'], // a make-up Saturday (调休), a Friday evening in UTC
  ] as const)('created %s China time, %i working days: deadline %s China time', (created, days, deadline) => {
    expect(calendar.deadlineAfter(china(created), days).toISOString()).toBe(at(deadline));
  });

  it('names the China day of an instant on both sides of midnight UTC and of midnight in China', () => {
    expect(calendar.dayOf(china('2026-11-24T07:30:00'))).toBe('2026-11-24');
    expect(calendar.dayOf(china('2026-11-24T08:00:00'))).toBe('2026-11-24');
    expect(calendar.dayOf(china('2026-11-23T23:59:59.999'))).toBe('2026-11-23');
    expect(calendar.dayOf(china('2026-11-24T00:00:00'))).toBe('2026-11-24');
  });

  it('counts working days elapsed by China days', () => {
    expect(calendar.workingDaysBetween(china('2026-11-23T23:59:59.999'), china('2026-11-24T00:00:00'))).toBe(1);
    expect(calendar.workingDaysBetween(china('2026-11-24T00:00:00'), china('2026-11-24T07:59:59'))).toBe(0);
    expect(calendar.workingDaysBetween(china('2026-09-30T07:00:00'), china('2026-10-08T07:00:00'))).toBe(1);
  });
});

describe('a contract against its deadline (deadlineView)', () => {
  const calendar = createWorkingCalendar();
  // Created Tuesday 07:30 China time with 2 working days: due at the end of Thursday 26 November.
  const created = china('2026-11-24T07:30:00');
  const deadline = calendar.deadlineAfter(created, 2);
  const open: Parameters<typeof deadlineView>[1] = { created_at: created, deadline, deadline_working_days: 2, status: 'awaiting_signatures', completed_at: null, closed_at: null };

  it.each([
    ['2026-11-24T07:31:00', 'on_track', 0],
    ['2026-11-25T23:59:59.999', 'on_track', 1],
    ['2026-11-26T00:00:00', 'at_risk', 2],
    ['2026-11-26T07:00:00', 'at_risk', 2], // Wednesday 23:00 in UTC
    ['2026-11-27T00:00:00', 'at_risk', 3], // the deadline itself
    ['2026-11-27T00:00:00.001', 'overdue', 3],
  ] as const)('open at %s China time: %s, %i working days elapsed', (now, sla, elapsed) => {
    expect(deadlineView(calendar, open, china(now))).toEqual({ deadline: at('2026-11-27T00:00:00'), workingDays: 2, workingDaysElapsed: elapsed, sla });
  });

  it('completed by the deadline met it, a millisecond later missed it; a voided contract missed it', () => {
    const view = (c: Partial<typeof open>) =>
      deadlineView(calendar, { ...open, ...c }, china('2026-12-01T10:00:00'));
    expect(view({ status: 'completed', completed_at: deadline })).toMatchObject({ sla: 'met', workingDaysElapsed: 3 });
    expect(view({ status: 'completed', completed_at: new Date(deadline.getTime() + 1) })).toMatchObject({ sla: 'missed', workingDaysElapsed: 3 });
    expect(view({ status: 'voided', closed_at: china('2026-11-24T07:45:00') })).toMatchObject({ sla: 'missed', workingDaysElapsed: 0 });
  });

});
