import { readFileSync } from 'node:fs';
import chineseDays from 'chinese-days';
import { CHINA_UTC_OFFSET_MS, chinaDay } from '../../chinaTime.js';

export interface CalendarOverrides {
  years: Record<string, { holidays?: string[]; workdays?: string[] }>;
}

export interface WorkingCalendar {
  isWorkday(day: string): boolean;
  /** The end (24:00 China time) of the n-th working day after the day of `from`. */
  deadlineAfter(from: Date, workingDays: number): Date;
  /** Working days strictly after the day of `from` up to and including the day of `to`. */
  workingDaysBetween(from: Date, to: Date): number;
  /** The China-time calendar day of an instant, YYYY-MM-DD. */
  dayOf(at: Date): string;
}

const DAY_MS = 86_400_000;

export function loadCalendarOverrides(file: string): CalendarOverrides {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CalendarOverrides>;
  return { years: parsed.years ?? {} };
}

/**
 * China's official calendar (statutory holidays and make-up workdays, 调休) from chinese-days, with a
 * local override for years the package does not know yet. A year is "known" when the package marks
 * New Year's Day as a holiday; for an unknown year without override only weekends are days off.
 */
export function createWorkingCalendar(overrides: CalendarOverrides = { years: {} }, warn: (msg: string) => void = () => undefined): WorkingCalendar {
  const known = new Map<string, boolean>();
  const warned = new Set<string>();
  const sets = new Map(
    Object.entries(overrides.years).map(([y, o]) => [y, { holidays: new Set(o.holidays ?? []), workdays: new Set(o.workdays ?? []) }]),
  );

  function packageKnows(year: string): boolean {
    let k = known.get(year);
    if (k === undefined) {
      // Not isHoliday(): it is also true for any Saturday or Sunday, so a year the package does not know
      // whose 1 January is a weekend (2028, 2033, 2034) passed as known and was never warned about.
      k = chineseDays.getHolidaysInRange(`${year}-01-01`, `${year}-01-01`, false).length > 0;
      known.set(year, k);
    }
    return k;
  }

  function isWorkday(day: string): boolean {
    const year = day.slice(0, 4);
    const o = sets.get(year);
    if (o) {
      if (o.holidays.has(day)) return false;
      if (o.workdays.has(day)) return true;
    }
    if (packageKnows(year)) return chineseDays.isWorkday(day);
    if (!o && !warned.has(year)) {
      warned.add(year);
      warn(`no official calendar for ${year}: counting weekends only; add the year to the calendar overrides`);
    }
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  const dayOf = chinaDay;
  const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

  return {
    isWorkday,
    dayOf,
    deadlineAfter(from, workingDays) {
      let day = dayOf(from);
      for (let counted = 0; counted < workingDays; ) {
        day = nextDay(day);
        if (isWorkday(day)) counted++;
      }
      // Midnight at the end of that China-time day.
      return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS - CHINA_UTC_OFFSET_MS);
    },
    workingDaysBetween(from, to) {
      const last = dayOf(to);
      let n = 0;
      for (let day = nextDay(dayOf(from)); day <= last; day = nextDay(day)) if (isWorkday(day)) n++;
      return n;
    },
  };
}
