import { describe, expect, it } from 'vitest';
import { createWorkingCalendar } from '../src/workflow/calendar/workingCalendar.js';

const china = (local: string) => new Date(`${local}+08:00`);

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
    expect(warnings.join()).toMatch(/no official calendar for 2032/);
  });
});
