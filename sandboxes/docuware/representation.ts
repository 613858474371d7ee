/**
 * How the Platform answers: JSON when the client's Accept asks for it, XML otherwise (the
 * Platform's default); errors as `{Message, Status, StatusCode, Uri, Method}`; and a missing or
 * invalid session cookie as a 401 whose HTML body refreshes to the login page — the Platform's
 * documented replacement for the usual forms-auth 302.
 */
import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { reply, replyJson } from '../reply.js';
import { toXml } from './xml.js';

/** A request being answered: the route's path groups are `params`. */
export interface PlatformCall {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
}

/** Where the Platform lives on the server; every Link href starts with it. */
export const PLATFORM_PATH = '/DocuWare/Platform';

const PLATFORM_XMLNS = 'http://dev.docuware.com/schema/public/services/platform';

/** The login page the 401 body refreshes to. */
export const LOGIN_PAGE = `${PLATFORM_PATH}/Account/LogOn`;

/**
 * Sends a resource as JSON or XML, by the request's Accept header. `root` names the XML root.
 *
 * @example
 * replyResource(req, res, 200, 'Organizations', { Organization: [] });
 */
export function replyResource(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  root: string,
  body: Record<string, unknown>,
  headers: OutgoingHttpHeaders = {},
): void {
  if (/\bapplication\/(?:[\w.-]+\+)?json\b/i.test(req.headers.accept ?? '')) replyJson(res, status, body, headers);
  else reply(res, status, 'application/xml; charset=utf-8', toXml(root, body, PLATFORM_XMLNS), headers);
}

/**
 * Sends a Platform error body.
 *
 * @example
 * replyError(call, 404, 'File cabinet not found.');
 */
export function replyError(
  { req, res, url }: Omit<PlatformCall, 'params'>,
  status: number,
  message: string,
  headers: OutgoingHttpHeaders = {},
): void {
  const body = { Message: message, Status: STATUS_CODES[status] ?? 'Error', StatusCode: status, Uri: url.href, Method: req.method ?? 'GET' };
  replyResource(req, res, status, 'Error', body, headers);
}

/** 401 with an HTML meta refresh to the login page (never a redirect). */
export function replyLoginRequired(res: ServerResponse, url: URL): void {
  // encodeURIComponent leaves no character that needs escaping inside an HTML attribute.
  const target = `${LOGIN_PAGE}?returnUrl=${encodeURIComponent(url.pathname + url.search)}`;
  const html =
    '<!DOCTYPE html><html><head>' +
    `<meta http-equiv="refresh" content="0;url=${target}" />` +
    '<title>DocuWare Platform - Login required</title></head>' +
    `<body><p>Authentication required. <a href="${target}">Log on</a>.</p></body></html>`;
  reply(res, 401, 'text/html; charset=utf-8', html);
}
