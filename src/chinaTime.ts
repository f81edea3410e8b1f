/** China Standard Time: UTC+8 all year (no daylight saving). Contracts, pages and deadlines use it whatever the server's zone. */
export const CHINA_UTC_OFFSET_MS = 8 * 3600_000;

export interface ChinaTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The calendar fields of an instant as a clock in China shows them. */
export function chinaParts(at: Date): ChinaTimeParts {
  const t = new Date(at.getTime() + CHINA_UTC_OFFSET_MS);
  return {
    year: t.getUTCFullYear(),
    month: t.getUTCMonth() + 1,
    day: t.getUTCDate(),
    hour: t.getUTCHours(),
    minute: t.getUTCMinutes(),
    second: t.getUTCSeconds(),
  };
}

/** The China calendar day of an instant, as YYYY-MM-DD. */
/** A time as a query gives it: a bare date (YYYY-MM-DD) is that China calendar day's start, anything else ISO 8601. */
export const chinaInstant = (v: string) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00+08:00` : v);

/** [00:00 on 1 January, 00:00 on the next 1 January) of a year in China time, as epoch milliseconds. */
export const chinaYear = (y: number) => ({ from: Date.UTC(y, 0, 1) - CHINA_UTC_OFFSET_MS, to: Date.UTC(y + 1, 0, 1) - CHINA_UTC_OFFSET_MS });

/** 00:00 China time of a day given as YYYY-MM-DD. */
export const chinaMidnight = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - CHINA_UTC_OFFSET_MS);

export const chinaDay = (at: Date) => new Date(at.getTime() + CHINA_UTC_OFFSET_MS).toISOString().slice(0, 10);

export const pad2 = (n: number) => String(n).padStart(2, '0');

export function chineseDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = chinaParts(new Date(iso));
  return `${t.year}年${t.month}月${t.day}日 ${pad2(t.hour)}:${pad2(t.minute)}`;
}

/** A deadline falls at midnight: say "12月1日 24:00" (the last working day), not "12月2日 00:00". */
export function chineseDeadline(iso: string): string {
  const at = new Date(iso);
  const t = chinaParts(at);
  if (t.hour !== 0 || t.minute !== 0) return chineseDateTime(iso);
  const day = chinaParts(new Date(at.getTime() - 86_400_000));
  return `${day.year}年${day.month}月${day.day}日 24:00`;
}

