/**
 * The failure classes of a token request, which decide what the renewal does next: retry a
 * transient failure (and cool down once retries are spent), flag the connection only for a
 * refusal, and never present a refresh token again when the server may have acted on it.
 */
import {
  ConfigurationError,
  ConnectorError,
  CredentialsError,
  CredentialsRefusedError,
  ERROR_CODES,
  HttpError,
  NetworkError,
  RequestRefusedError,
  ResponseError,
  TimeoutError,
} from '../errors.js';

/** 5xx, 429, network failures and timeouts may pass; a refused grant will not. */
export function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError) return error.retryable;
  if (error instanceof TimeoutError) return true;
  return error instanceof HttpError && (error.status >= 500 || error.status === 429);
}

/** The provider refused the credentials or the grant: the one failure that asks the user to act. */
export function isRefusal(error: unknown): error is CredentialsRefusedError {
  return error instanceof CredentialsRefusedError;
}

/** The endpoint answered, but with something that is no token answer (HTML, [], too large, no token at the path). */
export function isInvalidAnswer(error: unknown): boolean {
  return error instanceof ResponseError || (ConnectorError.isConnectorError(error) && error.code === ERROR_CODES.tokenResponse);
}

/** The refresh cannot have spent the refresh token: never sent, or answered that it was not acted on. */
export function nothingConsumed(error: unknown): boolean {
  if (error instanceof RequestRefusedError || error instanceof ConfigurationError || error instanceof CredentialsError) return true;
  return isRetryableRefreshFailure(error);
}

/** A refresh may be repeated only when the server cannot have acted on it or said it did not. */
export function isRetryableRefreshFailure(error: unknown): boolean {
  return isTransient(error) && !outcomeUnknown(error);
}

/** The request may have reached the server and its answer was lost. */
function outcomeUnknown(error: unknown): boolean {
  return (error instanceof NetworkError && error.sent) || (error instanceof TimeoutError && error.phase !== 'connect');
}
