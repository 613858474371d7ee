/**
 * Lifetimes that token endpoints write as duration strings instead of a number of seconds:
 * ISO 8601 durations (`PT1H`, `P1DT2H30M`) and clock durations (`01:00:00`, `1.02:30:00`, as .NET
 * serializes a TimeSpan). Only exact lengths: years and months depend on the calendar, so a
 * lifetime written with them is refused rather than guessed.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Anything longer is no lifetime a server means; it also bounds the regular expressions' work. */
const MAX_LENGTH = 64;

const NUMBER = String.raw`(\d{1,15}(?:[.,]\d{1,9})?)`;
/** P[nW][nD][T[nH][nM][nS]]; the fraction is checked apart (only on the last component). */
const ISO = new RegExp(`^P(?:${NUMBER}W)?(?:${NUMBER}D)?(?:T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`, 'i');
const ISO_UNITS = [WEEK, DAY, HOUR, MINUTE, SECOND] as const;

/** [D: or D.]HH:MM:SS[.fraction] */
const CLOCK = /^(?:(\d{1,6})[:.])?(\d{1,9}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** Milliseconds of an ISO 8601 or clock duration; undefined when the text is neither. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  if (value.length === 0 || value.length > MAX_LENGTH) return undefined;
  return /^P/i.test(value) ? parseIsoDuration(value) : parseClockDuration(value);
}

/**
 * ISO 8601-1 §5.5.2 durations of weeks, days, hours, minutes and seconds. A decimal fraction (with
 * `.` or `,`) is allowed on the last component only, as the standard says; at least one component,
 * and a `T` only before a time component.
 */
export function parseIsoDuration(text: string): number | undefined {
  if (text.length > MAX_LENGTH) return undefined;
  const match = ISO.exec(text);
  if (!match || /T$/i.test(text)) return undefined;
  const parts = match.slice(1);
  const present = parts.map((part, index) => [part, index] as const).filter(([part]) => part !== undefined);
  if (present.length === 0) return undefined;
  let ms = 0;
  for (const [position, [part, index]] of present.entries()) {
    const fractional = /[.,]/.test(part as string);
    if (fractional && position !== present.length - 1) return undefined;
    ms += Number((part as string).replace(',', '.')) * (ISO_UNITS[index] as number);
  }
  return Math.round(ms);
}

/**
 * `HH:MM:SS`, `D:HH:MM:SS` or `D.HH:MM:SS`, seconds with an optional fraction. Three parts are
 * always hours, minutes and seconds (as in .NET, PostgreSQL and ISO 8601 times), never days, hours
 * and minutes: reading `01:00:00` as a day would keep a token 24 times too long. Minutes and
 * seconds run to 59; hours to 23 when days are given, without limit otherwise (`36:00:00`).
 */
export function parseClockDuration(text: string): number | undefined {
  if (text.length > MAX_LENGTH) return undefined;
  const match = CLOCK.exec(text);
  if (!match) return undefined;
  const [, days, hours, minutes, seconds, fraction] = match;
  const h = Number(hours);
  const m = Number(minutes);
  const s = Number(seconds);
  if (m > 59 || s > 59 || (days !== undefined && h > 23)) return undefined;
  const fractionMs = fraction === undefined ? 0 : Number(`0.${fraction}`) * SECOND;
  return Math.round(Number(days ?? 0) * DAY + h * HOUR + m * MINUTE + s * SECOND + fractionMs);
}
