/**
 * Unit tests of sdk/manifest/did-you-mean.ts: a candidate is suggested within
 * max(1, ⌊length / 3⌋) edits (a swap of neighbours is one edit), case does not count, the first
 * closest candidate wins, and names over 100 characters get no suggestion.
 */
import { describe, expect, it } from 'vitest';
import { closest, suggest } from '../../sdk/manifest/did-you-mean.js';

describe('closest', () => {
  it.each([
    // up to 5 characters: one edit
    ['a', ['b'], 'b'],
    ['ab', ['ax'], 'ax'],
    ['ab', ['abc'], 'abc'],
    ['ab', ['xy'], undefined],
    ['ab', ['abcd'], undefined],
    ['abcde', ['abcdx'], 'abcdx'],
    ['abcde', ['abcxy'], undefined],
    // 6 to 8 characters: two edits
    ['abcdef', ['abcxyf'], 'abcxyf'],
    ['abcdef', ['abxyzf'], undefined],
    ['abcdefgh', ['abcxyfgh'], 'abcxyfgh'],
    ['abcdefgh', ['abxyzfgh'], undefined],
    // 9 characters: three edits
    ['abcdefghi', ['abxyzfghi'], 'abxyzfghi'],
  ])('%j among %j → %j', (name, candidates, expected) => {
    expect(closest(name, candidates)).toBe(expected);
  });

  it('counts a swap of neighbouring characters as one edit', () => {
    expect(closest('acb', ['abc'])).toBe('abc');
    expect(closest('abcd', ['bacd'])).toBe('bacd');
    expect(closest('hots', ['host'])).toBe('host');
  });

  it('ignores case, and returns a case-insensitive match at once, as written', () => {
    expect(closest('Host', ['host'])).toBe('host');
    expect(closest('nam', ['name', 'NAM'])).toBe('NAM');
    expect(closest('ACCESS_TOKN', ['access_token'])).toBe('access_token');
  });

  it('keeps the first of equally close candidates and prefers a closer later one', () => {
    expect(closest('cat', ['bat', 'cot'])).toBe('bat');
    expect(closest('kitten', ['sitting', 'kitchen', 'mitten'])).toBe('mitten');
    expect(closest('kitten', ['sitting', 'kitchen'])).toBe('kitchen');
  });

  it('has no suggestion without candidates', () => {
    expect(closest('abc', [])).toBeUndefined();
  });

  it('does not compare names longer than 100 characters, even with themselves', () => {
    const hundred = 'x'.repeat(100);
    expect(closest(hundred, [`${'x'.repeat(99)}y`])).toBe(`${'x'.repeat(99)}y`);
    const long = 'x'.repeat(101);
    expect(closest(long, [long])).toBeUndefined();
  });
});

describe('suggest', () => {
  it('phrases the closest candidate as a question', () => {
    expect(suggest('hots', ['port', 'host'])).toBe('did you mean "host"?');
  });

  it('is undefined when nothing is close', () => {
    expect(suggest('zzzz', ['host'])).toBeUndefined();
  });
});
