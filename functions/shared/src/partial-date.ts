/**
 * Dates of birth may be known only to the year or month: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
 * A partial date stands for a range of days; searches compare ranges, so each stored date
 * also keeps its first and last day in sortable `YYYY-MM-DD` form.
 */
export interface DayRange {
  first: string;
  last: string;
}

const PARTIAL_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

export function partialDateRange(value: string): DayRange | undefined {
  const match = PARTIAL_DATE.exec(value);
  if (match === null) return undefined;
  const year = Number(match[1]);
  if (year < 1) return undefined;
  if (match[2] === undefined) return { first: `${match[1]}-01-01`, last: `${match[1]}-12-31` };
  const month = Number(match[2]);
  if (month < 1 || month > 12) return undefined;
  const lastDay = daysInMonth(year, month);
  if (match[3] === undefined) {
    return { first: `${match[1]}-${match[2]}-01`, last: `${match[1]}-${match[2]}-${String(lastDay).padStart(2, '0')}` };
  }
  const day = Number(match[3]);
  if (day < 1 || day > lastDay) return undefined;
  return { first: value, last: value };
}

/** True when the value is a real partial date whose first day is not after `today` (UTC). */
export function isPastPartialDate(value: string, today: Date = new Date()): boolean {
  const range = partialDateRange(value);
  return range !== undefined && range.first <= today.toISOString().slice(0, 10);
}

function daysInMonth(year: number, month: number): number {
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}
