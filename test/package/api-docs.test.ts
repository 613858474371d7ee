/**
 * Every export of the package's entry point is documented with an example (issue 16 item 9):
 * read through the TypeScript compiler's API, so a new export without TSDoc, or with TSDoc but
 * no `@example`, fails here with its name and file.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../../sdk/index.ts', import.meta.url));

function undocumentedExports(): string[] {
  const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error('sdk/index.ts did not load');
  const missing: string[] = [];
  for (const exported of checker.getExportsOfModule(module)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.declarations?.[0];
    const hasExample = (symbol.declarations ?? []).some((node) => ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'example'));
    if (!hasExample) missing.push(`${exported.name} (${declaration?.getSourceFile().fileName.replace(/.*\/sdk\//, 'sdk/') ?? '?'})`);
  }
  return missing.sort();
}

describe('the public API', () => {
  it('documents every export of sdk/index.ts with an @example', () => {
    expect(undocumentedExports()).toEqual([]);
  }, 60_000);
});
