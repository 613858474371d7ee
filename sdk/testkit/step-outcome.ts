/**
 * How a scenario step that may fail is judged: what a failure says (its code first, so a report
 * shows which error it was), and whether the outcome is the one the step's `expect_error` asks
 * for. One place, so every kind of step words its verdict alike.
 */
import { ConnectorError } from '../errors.js';

/** A step's failure as reports show it. */
export interface StepFailure {
  error: string;
  code?: string;
}

/**
 * A thrown value as a report line: `CODE: message` for the SDK's errors.
 *
 * @example
 * messageOf(new InputError('input.domain is required')); // 'CONNECTOR_INPUT_INVALID: input.domain is required'
 */
export function messageOf(error: unknown): string {
  if (ConnectorError.isConnectorError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The failure of a thrown value, with its code when it is one of the SDK's errors.
 *
 * @example
 * try { await connection.execute('get-balance'); } catch (error) { failure = failureOf(error); }
 */
export function failureOf(error: unknown): StepFailure {
  return { error: messageOf(error), code: ConnectorError.isConnectorError(error) ? error.code : undefined };
}

/**
 * What is wrong with an outcome given the step's expect_error, or undefined when it is as expected.
 *
 * @example
 * judgeOutcome('CONNECTOR_REAUTHORIZATION_REQUIRED', undefined); // 'expected CONNECTOR_REAUTHORIZATION_REQUIRED, but it succeeded'
 */
export function judgeOutcome(expectError: string | undefined, failure: StepFailure | undefined): string | undefined {
  if (expectError === undefined) return failure && `failed with ${failure.error}`;
  if (!failure) return `expected ${expectError}, but it succeeded`;
  return failure.code === expectError ? undefined : `expected ${expectError}, but it failed with ${failure.error}`;
}
