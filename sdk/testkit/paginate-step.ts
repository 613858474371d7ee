/**
 * The test kit's `paginate` step: walks a paginated action the way a host does
 * (`connection.paginate`), up to max_pages pages, then checks how many pages it yielded, how many
 * items they held and how many requests the walk cost. Its own module: the scenario runner only
 * dispatches to it.
 */
import { compileJsonPath, normalizeJsonPath } from '../extract/json-path.js';
import type { Action, TestPaginationExpectations, TestStep } from '../manifest/types.gen.js';
import { plural } from '../manifest/message-text.js';
import type { Connection } from '../runtime/connection.js';
import { failureOf, judgeOutcome, type StepFailure } from './step-outcome.js';

/** A paginate step's own fields. */
export type PaginateStep = NonNullable<TestStep['paginate']>;

/** What a walk yielded. */
interface Walk {
  pages: number;
  /** Items of all pages; a string when a page held no array to count (what it held instead). */
  items: number | string;
  failure?: StepFailure;
}

/**
 * Runs the step; returns what went wrong, or undefined. `requests` is the fixture server's live
 * log: the walk's cost is how much it grew.
 *
 * @example
 * const failure = await runPaginateStep({ action: 'domain-emails-with-info', expect: { pages: 2 } }, connection, manifest.actions['domain-emails-with-info'], server.requests);
 */
export async function runPaginateStep(step: PaginateStep, connection: Connection, action: Action | undefined, requests: readonly unknown[]): Promise<string | undefined> {
  const before = requests.length;
  const walk = await walkPages(step, connection, itemCounter(action));
  const verdict = judgeOutcome(step.expect_error, walk.failure);
  if (verdict !== undefined) return verdict;
  const failures = compareWalk(step.expect ?? {}, walk, requests.length - before);
  return failures.length > 0 ? failures.join('; ') : undefined;
}

async function walkPages(step: PaginateStep, connection: Connection, count: (data: unknown) => number | string): Promise<Walk> {
  const walk: Walk = { pages: 0, items: 0 };
  const options = step.max_pages === undefined ? {} : { maxPages: step.max_pages };
  try {
    for await (const page of connection.paginate(step.action, step.input as Record<string, unknown> | undefined, options)) {
      walk.pages++;
      if (typeof walk.items === 'number') {
        const items = count(page.data);
        walk.items = typeof items === 'number' ? walk.items + items : `page ${walk.pages} ${items}`;
      }
    }
  } catch (error) {
    walk.failure = failureOf(error);
  }
  return walk;
}

/**
 * How many items a page holds, as connection.items() reads them: the array at results_path of
 * the body, which is the page's data unless the action's output selects something else.
 */
function itemCounter(action: Action | undefined): (data: unknown) => number | string {
  const pagination = action?.pagination;
  const resultsPath = pagination !== undefined && 'results_path' in pagination ? pagination.results_path : undefined;
  const output = action?.output;
  let select: (data: unknown) => unknown = (data) => data;
  let where = 'in its output';
  if (resultsPath !== undefined && output === undefined) {
    const results = compileJsonPath(resultsPath);
    select = (data) => results.first(data);
    where = `at ${results.normalized}`;
  } else if (resultsPath !== undefined && normalizeJsonPath(output ?? '') !== normalizeJsonPath(resultsPath)) {
    // The body is gone once output selected part of it: its results_path cannot be read again.
    return () => `cannot be counted: the action's output (${output}) is not its results_path (${resultsPath})`;
  }
  return (data) => {
    const items = select(data);
    return Array.isArray(items) ? items.length : `has no array of items ${where}`;
  };
}

function compareWalk(expect: TestPaginationExpectations, walk: Walk, requests: number): string[] {
  const failures: string[] = [];
  if (expect.pages !== undefined && walk.pages !== expect.pages) failures.push(`expected ${plural(expect.pages, 'page')}, saw ${walk.pages}`);
  if (expect.items !== undefined) {
    if (typeof walk.items === 'string') failures.push(`expected ${plural(expect.items, 'item')}, but ${walk.items}`);
    else if (walk.items !== expect.items) failures.push(`expected ${plural(expect.items, 'item')}, saw ${walk.items}`);
  }
  if (expect.requests !== undefined && requests !== expect.requests) {
    failures.push(`expected ${plural(expect.requests, 'request')} during the walk, saw ${requests}`);
  }
  return failures;
}
