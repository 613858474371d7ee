/**
 * The search body of `Query/DialogExpression`:
 * `{"Condition":[{"DBName","Value":[…]}], "Operation":"And"|"Or", "SortOrder":[{"Field","Direction"}]}`.
 *
 * Matching, as far as the sources describe it: on a text field every value is an alternative
 * pattern (`*` any run, `?` one character, case-insensitive); on a number or date field one value
 * means equality and two values a range `[from, to]` where null leaves a side open. Dates are
 * given as `/Date(ms)/` or ISO 8601. Without SortOrder, documents come in id order.
 */
import { CABINET_FIELDS, type StoredDocument } from './documents.js';

interface Condition {
  field: (typeof CABINET_FIELDS)[number];
  values: (string | null)[];
}

/** A checked search expression, ready to run. */
export interface DialogExpression {
  conditions: Condition[];
  any: boolean;
  sort: { field: string; descending: boolean }[];
}

/**
 * Checks a parsed JSON body; returns the expression or the Platform's complaint.
 *
 * @example
 * parseDialogExpression({ Condition: [{ DBName: 'COMPANY', Value: ['Peters*'] }], Operation: 'And' });
 */
export function parseDialogExpression(body: unknown): DialogExpression | { error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'The search expression must be a JSON object.' };
  // .NET deserializers treat null like an absent member.
  const { Condition, Operation, SortOrder } = body as Record<string, unknown>;
  return checked(Condition ?? [], Operation ?? 'And', SortOrder ?? []);
}

function checked(condition: unknown, operation: unknown, sortOrder: unknown): DialogExpression | { error: string } {
  if (!Array.isArray(condition) || !Array.isArray(sortOrder)) return { error: 'Condition and SortOrder must be arrays.' };
  if (typeof operation !== 'string' || !['and', 'or'].includes(operation.toLowerCase())) {
    return { error: 'Operation must be And or Or.' };
  }
  const conditions: Condition[] = [];
  for (const item of condition) {
    const { DBName, Value } = (item ?? {}) as Record<string, unknown>;
    const field = CABINET_FIELDS.find((f) => f.DBFieldName === (typeof DBName === 'string' ? DBName.toUpperCase() : ''));
    if (!field) return { error: `Field '${String(DBName)}' does not exist in the dialog.` };
    if (!Array.isArray(Value) || !Value.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) {
      return { error: `Value of '${field.DBFieldName}' must be an array of strings or nulls.` };
    }
    conditions.push({ field, values: Value.map((v) => (v === null ? null : String(v))) });
  }
  const sort: DialogExpression['sort'] = [];
  for (const item of sortOrder) {
    const { Field, Direction } = (item ?? {}) as Record<string, unknown>;
    if (typeof Field !== 'string' || !CABINET_FIELDS.some((f) => f.DBFieldName === Field.toUpperCase())) {
      return { error: `Sort field '${String(Field)}' does not exist in the dialog.` };
    }
    sort.push({ field: Field.toUpperCase(), descending: String(Direction ?? 'Asc').toLowerCase() === 'desc' });
  }
  return { conditions, any: operation.toLowerCase() === 'or', sort };
}

/** The documents that match, in the requested order. */
export function runDialogExpression(expression: DialogExpression, documents: StoredDocument[]): StoredDocument[] {
  const matches = (doc: StoredDocument, condition: Condition): boolean => {
    const item = doc.fields.find((f) => f.FieldName === condition.field.DBFieldName)?.Item;
    if (item === undefined || item === null) return false;
    if (condition.field.DWFieldType === 'Text') {
      return condition.values.some((v) => v !== null && wildcard(v).test(String(item)));
    }
    const value = comparable(item);
    const [from = null, to = from] = condition.values.map((v) => (v === null ? null : comparable(v)));
    return (from === null || compare(value, from) >= 0) && (to === null || compare(value, to) <= 0);
  };
  const found = documents.filter((doc) =>
    expression.conditions.length === 0
      ? true
      : expression.any
        ? expression.conditions.some((c) => matches(doc, c))
        : expression.conditions.every((c) => matches(doc, c)),
  );
  return found.sort((a, b) => {
    for (const { field, descending } of expression.sort) {
      const order = compare(fieldValue(a, field), fieldValue(b, field));
      if (order !== 0) return descending ? -order : order;
    }
    return a.id - b.id;
  });
}

function fieldValue(doc: StoredDocument, name: string): number | string {
  const item = doc.fields.find((f) => f.FieldName === name)?.Item;
  return item === undefined || item === null ? '' : comparable(item);
}

/** Numbers and dates compare as numbers (dates in ms), the rest as lower-case text. */
function comparable(value: unknown): number | string {
  if (typeof value === 'number') return value;
  const text = String(value);
  const date = /^\/Date\((-?\d+)\)\/$/.exec(text);
  if (date) return Number(date[1]);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text))) return Date.parse(text);
  if (text.trim() !== '' && !Number.isNaN(Number(text))) return Number(text);
  return text.toLowerCase();
}

function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

function wildcard(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i');
}
