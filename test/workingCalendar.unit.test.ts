import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkingCalendar, loadCalendarOverrides } from '../src/contracts/calendar/workingCalendar.js';
import { deadlineView } from '../src/contracts/deadlines.js';

// Calendars are made inside the tests: an exception while the file is collected would not count as a
// failing test, so Stryker would report the mutant that caused it as survived.

const china = (local: string) => new Date(`${local}+08:00`);
const at = (local: string) => china(local).toISOString();
const noOfficialCalendar = (year: string) => `no official calendar for ${year}: counting weekends only; add the year to the calendar overrides`;

describe('the calendar overrides file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'calendar-overrides-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: unknown) => {
    const f = path.join(dir, name);
    writeFileSync(f, JSON.stringify(content));
    return f;
  };

  it('reads the years an operator added, and nothing else of the file', () => {
    const years = { '2031': { holidays: ['2031-01-01'], workdays: ['2031-01-04'] } };
    expect(loadCalendarOverrides(file('with-years.json', { _comment: 'State Council notice', years }))).toEqual({ years });
  });

  it('treats a file without years as no overrides', () => {
    expect(loadCalendarOverrides(file('without-years.json', { _comment: 'nothing yet' }))).toEqual({ years: {} });
  });
});

describe('an override for a year the package knows', () => {
  // 2026 is in the package: an override adds to it and wins over it, day by day.
  const calendar = () => createWorkingCalendar({ years: { '2026': { holidays: ['2026-11-25'], workdays: ['2026-11-28'] } } });

  it('makes a listed weekday a holiday and a listed weekend day a workday', () => {
    expect(calendar().isWorkday('2026-11-25')).toBe(false); // a Wednesday
    expect(calendar().isWorkday('2026-11-28')).toBe(true); // a Saturday
  });

  it('leaves the days it does not list to the official calendar', () => {
    expect(calendar().isWorkday('2026-11-29')).toBe(false); // Sunday
    expect(calendar().isWorkday('2026-11-26')).toBe(true); // Thursday
    expect(calendar().isWorkday('2026-10-01')).toBe(false); // National Day
    expect(calendar().isWorkday('2026-10-10')).toBe(true); // the package's make-up Saturday
  });

  it('moves a deadline by the added holiday and workday', () => {
    // Tuesday 07:30 China time (Monday 23:30 UTC): Wednesday is off, Thursday and Friday count.
    expect(calendar().deadlineAfter(china('2026-11-24T07:30:00'), 2).toISOString()).toBe(at('2026-11-28T00:00:00'));
    // The Saturday made a workday is the third.
    expect(calendar().deadlineAfter(china('2026-11-24T07:30:00'), 3).toISOString()).toBe(at('2026-11-29T00:00:00'));
    expect(calendar().workingDaysBetween(china('2026-11-24T07:30:00'), china('2026-11-30T07:30:00'))).toBe(4);
  });
});

describe('a year the package does not know', () => {
  it('with an override: its listed days, weekends for the rest, and no warning', () => {
    const warnings: string[] = [];
    const calendar = createWorkingCalendar({ years: { '2031': { holidays: ['2031-01-01'] } } }, (m) => warnings.push(m));
    expect(calendar.isWorkday('2031-01-01')).toBe(false); // Wednesday, listed
    expect(calendar.isWorkday('2031-01-02')).toBe(true); // Thursday
    expect(calendar.isWorkday('2031-01-04')).toBe(false); // Saturday
    expect(calendar.isWorkday('2031-01-05')).toBe(false); // Sunday
    expect(warnings).toEqual([]);
  });

  it('an override with only workdays still keeps the weekend off', () => {
    const calendar = createWorkingCalendar({ years: { '2031': { workdays: ['2031-01-04'] } } });
    expect(calendar.isWorkday('2031-01-04')).toBe(true);
    expect(calendar.isWorkday('2031-01-05')).toBe(false);
    expect(calendar.isWorkday('2031-01-01')).toBe(true); // not listed as a holiday: a plain Wednesday
  });

  it('without an override: Saturdays and Sundays off, one warning per year', () => {
    const warnings: string[] = [];
    const calendar = createWorkingCalendar({ years: {} }, (m) => warnings.push(m));
    expect(['2032-01-02', '2032-01-03', '2032-01-04', '2032-01-05'].map(calendar.isWorkday)).toEqual([true, false, false, true]);
    expect(calendar.isWorkday('2035-01-01')).toBe(true);
    expect(calendar.isWorkday('2032-01-06')).toBe(true);
    expect(warnings).toEqual([noOfficialCalendar('2032'), noOfficialCalendar('2035')]);
  });

  it('is warned about also when its 1 January falls on a weekend (2028: Saturday, 2034: Sunday)', () => {
    const warnings: string[] = [];
    const calendar = createWorkingCalendar({ years: {} }, (m) => warnings.push(m));
    expect(calendar.isWorkday('2028-01-03')).toBe(true);
    expect(calendar.isWorkday('2034-01-01')).toBe(false);
    expect(warnings).toEqual([noOfficialCalendar('2028'), noOfficialCalendar('2034')]);
  });

  it('is not confused with the years the package knows, whatever weekday their 1 January is', () => {
    const warnings: string[] = [];
    const calendar = createWorkingCalendar({ years: {} }, (m) => warnings.push(m));
    // 2022-01-01 was a Saturday, 2023-01-01 a Sunday; both years have make-up workdays.
    expect(calendar.isWorkday('2022-01-29')).toBe(true); // a Saturday worked for Spring Festival
    expect(calendar.isWorkday('2023-01-28')).toBe(true); // idem
    expect(calendar.isWorkday('2026-01-01')).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('works without any arguments (no overrides, warnings dropped)', () => {
    const calendar = createWorkingCalendar();
    expect(calendar.isWorkday('2032-01-04')).toBe(false);
    expect(calendar.deadlineAfter(china('2032-01-02T07:30:00'), 1).toISOString()).toBe(at('2032-01-06T00:00:00'));
  });
});

describe('deadlines across midnight UTC, month and year ends', () => {
  const calendar = () => createWorkingCalendar({ years: { '2027': { holidays: ['2027-01-01'] } } });

  it('Thursday 31 December 07:30 China time (still the 30th in UTC), over New Year', () => {
    // 1 January is off (override), 2 and 3 are a weekend: Monday 4 and Tuesday 5 January count.
    expect(calendar().dayOf(china('2026-12-31T07:30:00'))).toBe('2026-12-31');
    expect(calendar().deadlineAfter(china('2026-12-31T07:30:00'), 2).toISOString()).toBe('2027-01-05T16:00:00.000Z');
    expect(calendar().workingDaysBetween(china('2026-12-31T07:30:00'), china('2027-01-05T07:59:59'))).toBe(2);
  });

  it('the last day of a month before 08:00 belongs to that month', () => {
    expect(calendar().deadlineAfter(china('2026-11-30T06:00:00'), 1).toISOString()).toBe(at('2026-12-02T00:00:00'));
    expect(calendar().workingDaysBetween(china('2026-11-27T23:00:00'), china('2026-12-01T07:00:00'))).toBe(2);
  });

  it('counts nothing when the end is not after the start', () => {
    expect(calendar().workingDaysBetween(china('2026-11-26T10:00:00'), china('2026-11-25T10:00:00'))).toBe(0);
  });
});

describe('deadlineView for every contract status', () => {
  const calendar = () => createWorkingCalendar({ years: {} });
  // Created Tuesday 24 November 07:30 China time, 2 working days: due at the end of Thursday 26 November.
  const created = china('2026-11-24T07:30:00');
  const deadline = china('2026-11-27T00:00:00');
  const base = { created_at: created, deadline, deadline_working_days: 2, completed_at: null, closed_at: null };
  const view = (status: string, now: string, extra: { completed_at?: Date; closed_at?: Date } = {}) =>
    deadlineView(calendar(), { ...base, status, ...extra }, china(now));
  const expected = (workingDaysElapsed: number, sla: string) => ({ deadline: deadline.toISOString(), workingDays: 2, workingDaysElapsed, sla });

  it.each([
    ['2026-11-25T12:00:00', 1, 'on_track'],
    ['2026-11-26T07:59:00', 2, 'at_risk'],
    ['2026-11-27T09:00:00', 3, 'overdue'],
  ] as const)('a partially signed contract at %s China time: %i working days elapsed, %s', (now, elapsed, sla) => {
    expect(view('partially_signed', now)).toEqual(expected(elapsed, sla));
  });

  it.each(['declined', 'expired', 'voided'])('%s: missed its deadline, counted up to when it closed', (status) => {
    expect(view(status, '2026-12-10T10:00:00', { closed_at: china('2026-11-25T07:00:00') })).toEqual(expected(1, 'missed'));
  });

  it('a completed contract is counted up to its completion, not to when it was closed or to now', () => {
    const done = { completed_at: china('2026-11-26T23:59:59.999'), closed_at: china('2026-11-30T10:00:00') };
    expect(view('completed', '2026-12-10T10:00:00', done)).toEqual(expected(2, 'met'));
    const late = { completed_at: china('2026-11-27T07:00:00'), closed_at: china('2026-11-30T10:00:00') };
    expect(view('completed', '2026-12-10T10:00:00', late)).toEqual(expected(3, 'missed'));
  });

  it('an open contract is counted up to now', () => {
    expect(view('awaiting_signatures', '2026-11-30T07:59:00')).toEqual(expected(4, 'overdue'));
  });
});
