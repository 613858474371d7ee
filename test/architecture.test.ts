/**
 * The architecture of DESIGN.md, checked on the sources: each third-party library has one door,
 * and a module imports only from its own layer or the layers below it.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const sdk = join(root, 'sdk');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Every module specifier a file imports, re-exports or requires. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
  found.push(...[...text.matchAll(/(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] as string));
  return found;
}

const files = sources(sdk).map((file) => ({ file, path: relative(sdk, file), imports: specifiers(file) }));

/** Where each library may be imported (DESIGN: "one library, one door"). */
const DOORS: Record<string, RegExp> = {
  undici: /^http\//,
  // filters.ts takes liquidjs's runtime parts from liquid.ts and imports only its types.
  liquidjs: /^template\/(?:liquid|filters)\.ts$/,
  'jsonpath-plus': /^extract\/json-path\.ts$/,
  'set-cookie-parser': /^extract\/cookie\.ts$/,
  ajv: /^manifest\//,
  redis: /^store\/redis-token-store\.ts$/,
  // An optional peer, imported lazily: only a store made from a connection string needs it.
  pg: /^store\/postgres-token-store\.ts$/,
  'ipaddr.js': /^http\/address-policy\.ts$/,
  // The Public Suffix List: cookie domains, and host patterns that would match a whole suffix.
  tldts: /^public-suffix\.ts$/,
  // The parser only; extract/xml-path.ts (what validate checks) never loads it.
  'fast-xml-parser': /^extract\/xml\.ts$/,
  '@smithy/signature-v4': /^auth\/aws-sigv4\.ts$/,
  '@smithy/hash-node': /^auth\/aws-sigv4\.ts$/,
  jose: /^auth\/jwt-signer\.ts$/,
  'oauth-1.0a': /^auth\/oauth1\.ts$/,
  // An optional peer: only `connector generate` needs it.
  'json-schema-to-typescript': /^cli\/typed-declarations\.ts$/,
  // An optional peer, loaded lazily: only the MCP server needs it.
  '@modelcontextprotocol/sdk': /^mcp\//,
  // Loaded lazily: only `connector import openapi` needs it.
  '@readme/openapi-parser': /^import\/openapi\.ts$/,
};

/** Layers, lowest first; a module may import its own layer and those below. */
const LAYERS: [number, RegExp][] = [
  [0, /^(?:errors|redact|events|json-pointer|abort|public-suffix)\.ts$|^manifest\/types\.gen\.ts$/],
  // import/: the importers read text and write manifests; L1 keeps them off the network and the runtime.
  [1, /^(?:template|extract|store|manifest|import)\//],
  [2, /^http\//],
  [3, /^auth\//],
  [4, /^runtime\//],
  [5, /^(?:cli|testkit|mcp)\/|^index\.ts$/],
];

/** Functions may run to this many lines, from the line they start on to their closing brace. */
const MAX_FUNCTION_LINES = 60;

/** How a report names a function: its own name, or the variable, property or method it is assigned to. */
function functionName(node: ts.SignatureDeclaration): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) {
    return parent.name.getText();
  }
  return '(anonymous)';
}

/** Every function with a body in `file` longer than MAX_FUNCTION_LINES, as `sdk/path:line name (N lines)`. */
function longFunctions(file: string, path: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const lines = source.getLineAndCharacterOfPosition(node.end).line - start + 1;
      if (lines > MAX_FUNCTION_LINES) found.push(`sdk/${path}:${start + 1} ${functionName(node)} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function layerOf(path: string): number {
  const layer = LAYERS.find(([, pattern]) => pattern.test(path));
  if (!layer) throw new Error(`${path} belongs to no layer`);
  return layer[0];
}

describe('architecture', () => {
  it('imports each library only through its door', () => {
    const strays: string[] = [];
    for (const { path, imports } of files) {
      for (const specifier of imports) {
        const library = Object.keys(DOORS).find((name) => specifier === name || specifier.startsWith(`${name}/`));
        if (library && !DOORS[library]?.test(path)) strays.push(`${path} imports ${specifier}`);
      }
    }
    expect(strays).toEqual([]);
  });

  it('imports only from its own layer or below', () => {
    const upward: string[] = [];
    for (const { file, path, imports } of files) {
      for (const specifier of imports.filter((s) => s.startsWith('.'))) {
        const target = relative(sdk, resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        if (layerOf(target) > layerOf(path)) upward.push(`${path} (L${layerOf(path)}) imports ${target} (L${layerOf(target)})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('auth types never import one another', () => {
    const shared = /^auth\/(?:auth-context|auth-strategy|auth-view|authorization-session|expired-signal|expiry|stored-record|token-apply|token-failure|token-manager|token-record|token-request|token-request-retry|token-strategy|oauth2-grant|refresh-marker|token-chain-step|step-values|callback-values|request-view|request-signer|jwt-signer|index)\.ts$/;
    const crossings: string[] = [];
    for (const { file, path, imports } of files.filter(({ path }) => path.startsWith('auth/') && !shared.test(path))) {
      for (const specifier of imports.filter((s) => s.startsWith('.'))) {
        const target = relative(sdk, resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        if (target.startsWith('auth/') && !shared.test(target)) crossings.push(`${path} imports ${target}`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it('no function in sdk/ is longer than 60 lines (generated code aside)', () => {
    const long = files.filter(({ path }) => !path.endsWith('.gen.ts')).flatMap(({ file, path }) => longFunctions(file, path));
    expect(long).toEqual([]);
  });
});
