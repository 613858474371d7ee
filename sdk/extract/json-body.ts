/**
 * JSON bodies from servers we do not trust. `__proto__` and `constructor` keys are dropped so
 * no later merge by the host can pollute a prototype; text that is not JSON yields undefined
 * (the caller says what it expected), and so does nesting too deep for the parser.
 */
export function parseJsonSafely(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    // The reviver costs; most bodies never contain the keys, so look before paying. A key may
    // be spelled with \u escapes, so any escape pays too.
    const suspicious =
      text.includes('__proto__') || text.includes('constructor') || text.includes('prototype') || text.includes('\\u');
    return suspicious ? JSON.parse(text, dropPoisonKeys) : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function dropPoisonKeys(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value;
}
