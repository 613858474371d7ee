/**
 * snov.io's error bodies. Two shapes are on record: `{"errors":{code,title,source}}` (an object,
 * seen live on a 404) and `{"success":false,"errors":["…"]}` (an array, for a failed operation).
 * The sandbox uses the object shape for transport-level refusals (404, 401, 429) and the array
 * shape for operations that fail on their input (400); see README.md for the unconfirmed parts.
 */
import type { ServerResponse } from 'node:http';
import { replyJson } from '../reply.js';

/** 404 for an unknown path or a missing entity, byte for byte what snov.io was seen to send. */
export function notFound(res: ServerResponse): void {
  replyJson(res, 404, { errors: { code: 404, title: 'Sorry, but url or entity not found', source: '' } });
}

/** 401 for a missing, unknown or expired access token. */
export function unauthorized(res: ServerResponse, title: string): void {
  replyJson(res, 401, { errors: { code: 401, title, source: '' } });
}

/** 429 once the per-client budget is spent; Retry-After says when the window reopens. */
export function tooManyRequests(res: ServerResponse, retryAfterSeconds: number): void {
  replyJson(
    res,
    429,
    { errors: { code: 429, title: 'Too Many Requests', source: '' } },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/** 400 for an operation that cannot run on the given input. */
export function failed(res: ServerResponse, ...messages: string[]): void {
  replyJson(res, 400, { success: false, errors: messages });
}
