/** Unit tests of sdk/manifest/finding.ts: findings built, located, de-duplicated and sorted into diagnostics. */
import { describe, expect, it } from 'vitest';
import { error, toDiagnostics, warning, withFile } from '../../sdk/manifest/finding.js';
import { JsonLocator } from '../../sdk/manifest/locate.js';

describe('error and warning', () => {
  it('builds an error at the value, with the hint only when there is one', () => {
    expect(error('/a', 'bad')).toEqual({ pointer: '/a', at: 'value', message: 'bad', severity: 'error' });
    expect(error('/a', 'bad', '')).toEqual({ pointer: '/a', at: 'value', message: 'bad', severity: 'error' });
    expect(error('/a', 'bad', 'fix it', 'key')).toEqual({ pointer: '/a', at: 'key', message: 'bad', hint: 'fix it', severity: 'error' });
    expect(Object.hasOwn(error('/a', 'bad', undefined), 'hint')).toBe(false);
  });

  it('builds a warning at the value', () => {
    expect(warning('/b', 'careful', 'because')).toEqual({ pointer: '/b', at: 'value', message: 'careful', hint: 'because', severity: 'warning' });
  });
});

describe('toDiagnostics', () => {
  const text = '{\n  "a": 1,\n  "b": {"c": 2}\n}';

  it('locates each finding, at its key or value', () => {
    const locator = new JsonLocator(text);
    expect(toDiagnostics([error('/b/c', 'value c'), error('/b/c', 'key c', 'hint', 'key')], locator, undefined)).toEqual([
      { line: 3, column: 9, pointer: '/b/c', message: 'key c', hint: 'hint', severity: 'error' },
      { line: 3, column: 14, pointer: '/b/c', message: 'value c', severity: 'error' },
    ]);
  });

  it('sorts by line, then column, then pointer', () => {
    const locator = new JsonLocator(text);
    const diagnostics = toDiagnostics([error('/b', 'b'), error('/a', 'a'), warning('/x', 'missing → root', 'h'), error('', 'root')], locator, 'm.json');
    expect(diagnostics.map((d) => [d.line, d.column, d.pointer])).toEqual([
      [1, 1, ''],
      [1, 1, '/x'],
      [2, 8, '/a'],
      [3, 8, '/b'],
    ]);
  });

  it('keeps the first of findings with the same severity, pointer and message', () => {
    const diagnostics = toDiagnostics([error('/a', 'same', 'first hint'), error('/a', 'same', 'second hint'), warning('/a', 'same', 'w')], undefined, undefined);
    expect(diagnostics).toEqual([
      { line: 0, column: 0, pointer: '/a', message: 'same', hint: 'first hint', severity: 'error' },
      { line: 0, column: 0, pointer: '/a', message: 'same', hint: 'w', severity: 'warning' },
    ]);
  });

  it('puts line and column 0 without a locator and sorts by pointer', () => {
    expect(toDiagnostics([error('/b', 'x'), error('/a', 'y')], undefined, undefined).map((d) => [d.line, d.column, d.pointer])).toEqual([
      [0, 0, '/a'],
      [0, 0, '/b'],
    ]);
  });

  it('names the file first in each diagnostic', () => {
    const [diagnostic] = toDiagnostics([error('/a', 'm')], undefined, 'c.json');
    expect(diagnostic).toEqual({ file: 'c.json', line: 0, column: 0, pointer: '/a', message: 'm', severity: 'error' });
    expect(Object.keys(diagnostic ?? {})[0]).toBe('file');
  });
});

describe('withFile', () => {
  it('adds the file, or returns the very diagnostic without one', () => {
    const diagnostic = { line: 1, column: 2, pointer: '', message: 'm', severity: 'error' as const };
    expect(withFile(diagnostic, undefined)).toBe(diagnostic);
    expect(withFile(diagnostic, 'f.json')).toEqual({ file: 'f.json', ...diagnostic });
  });
});
