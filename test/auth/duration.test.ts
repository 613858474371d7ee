/** Duration strings a token endpoint may send as its lifetime (sdk/auth/duration.ts): exact milliseconds, and what is refused. */
import { describe, expect, it } from 'vitest';
import { parseClockDuration, parseDuration, parseIsoDuration } from '../../sdk/auth/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('ISO 8601 durations', () => {
  it.each([
    ['PT1H', H],
    ['PT3600S', 3600 * S],
    ['PT90M', 90 * M],
    ['P1D', D],
    ['P1DT2H30M', D + 2 * H + 30 * M],
    ['P2W', 14 * D],
    ['P1W1D', 8 * D],
    ['PT1H0M0S', H],
    ['PT0S', 0],
    ['P0D', 0],
    ['PT0.5S', 500],
    ['PT1,5S', 1500],
    ['PT1.5H', 1.5 * H],
    ['P0.5D', 12 * H],
    ['pt1h', H],
  ])('%s is %d ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['P', 'no component'],
    ['PT', 'T without a time component'],
    ['P1DT', 'T without a time component'],
    ['P1Y', 'years depend on the calendar'],
    ['P1M', 'months depend on the calendar'],
    ['P1Y2M3D', 'years and months'],
    ['PT1.5H30M', 'a fraction before the last component'],
    ['-PT1H', 'negative'],
    ['PT-1H', 'negative component'],
    ['PT1H1H', 'a repeated component'],
    ['PT30M1H', 'components out of order'],
    ['P1H', 'hours without T'],
    ['PT1HX', 'trailing text'],
    [' PT1H x', 'trailing text after a space'],
    [`PT${'1'.repeat(70)}S`, 'too long'],
  ])('%s is refused (%s)', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('clock durations', () => {
  it.each([
    ['01:00:00', H],
    ['00:30:00', 30 * M],
    ['00:00:45', 45 * S],
    ['36:00:00', 36 * H],
    ['1:02:30:00', D + 2 * H + 30 * M],
    ['1.02:30:00', D + 2 * H + 30 * M],
    ['7.00:00:00', 7 * D],
    ['00:00:01.5', 1500],
    ['00:00:00.001', 1],
    ['  01:00:00  ', H],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('three parts are hours, minutes and seconds, never days, hours and minutes', () => {
    expect(parseClockDuration('01:00:00')).toBe(H);
    expect(parseClockDuration('01:00:00')).not.toBe(D);
  });

  it.each([
    ['01:00', 'two parts are ambiguous (hours:minutes or minutes:seconds)'],
    ['00:60:00', 'minutes past 59'],
    ['00:00:60', 'seconds past 59'],
    ['1:24:00:00', 'hours past 23 beside days'],
    ['1.24:00:00', 'hours past 23 beside days'],
    ['1:2:3', 'minutes and seconds take two digits'],
    ['-01:00:00', 'negative'],
    ['01:00:00:00:00', 'five parts'],
    ['01:00:00.', 'a dot without a fraction'],
    ['', 'empty'],
    ['   ', 'blank'],
    ['soon', 'not a duration'],
    ['3600', 'a bare number (the expiry reads numbers itself)'],
  ])('%j is refused (%s)', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
