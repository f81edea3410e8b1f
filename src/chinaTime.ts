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
export const chinaDay = (at: Date) => new Date(at.getTime() + CHINA_UTC_OFFSET_MS).toISOString().slice(0, 10);

export const pad2 = (n: number) => String(n).padStart(2, '0');
