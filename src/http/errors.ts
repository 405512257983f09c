import { Type, type Static } from 'typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { inputProblemWords, langFromAcceptLanguage, type InputProblem, type Lang, type Surface } from '../core/refusals';
import { NO_CONTROL_CHARACTERS } from '../core/wire/common';
import { messageFor, refusal, type Refusal } from '../core/result';
import { storageFaultOf } from '../storage/faults';
import { statusForCode } from './status-table';
import type { Registry } from 'prom-client';
import { refusalCounter } from './metrics';

/** The one error body every route answers with: `{ error: { code, message, detail? } }`. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable UPPER_SNAKE refusal code' }),
      message: Type.String({ description: 'what went wrong and what to do next' }),
      detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { title: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/**
 * Error responses for a route schema: `response: { 200: X, ...errorResponses(400, 401, 404) }`.
 * Declaring them is what lets the TypeBox provider accept `reply.code(404)` (STACK.md).
 */
export function errorResponses<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: typeof ErrorBody } {
  const out: Record<number, typeof ErrorBody> = {};
  for (const status of statuses) out[status] = ErrorBody;
  return out as { [K in S[number]]: typeof ErrorBody };
}

/** The language a request asks for (`Accept-Language`; English by default). */
export function langOf(request: Pick<FastifyRequest, 'headers'>): Lang {
  const header = request.headers['accept-language'];
  return langFromAcceptLanguage(Array.isArray(header) ? header.join(',') : header);
}

/**
 * The words a request asks for: the API's by default; the console's (no CLI flag, no API route) when the request
 * says `OpenCAL-Surface: console` — the web console asks so, and does not carry the catalogue itself.
 */
export function surfaceOf(request: Pick<FastifyRequest, 'headers'>): Surface {
  const header = request.headers['opencal-surface'];
  return (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase() === 'console' ? 'console' : 'api';
}

/** The error body of a refusal, its message in `lang` in the words of `surface` (src/core/refusals.ts). */
export function errorBody(refusal: Refusal, lang: Lang = 'en', surface: Surface = 'api'): ErrorBody {
  const message = messageFor(refusal, lang, surface);
  return refusal.detail === undefined ? { error: { code: refusal.code, message } } : { error: { code: refusal.code, message, detail: refusal.detail } };
}

/** Any Fastify reply, whatever its route's type provider says about status codes. */
// The typed reply narrows `code()` to the statuses in the schema; the catalogue decides the status here.
type AnyReply = Pick<FastifyReply, 'sent'> & { code: (...args: never[]) => unknown };

/**
 * Answer a refusal with its status from the catalogue and the one error body, in the language of the request.
 * Returns the reply so a handler can `return sendRefusal(reply, result.error)`.
 */
export function sendRefusal<R extends AnyReply>(reply: R, refusal: Refusal, status: number = statusForCode(refusal.code)): R {
  const r = reply as unknown as FastifyReply;
  countRefusal(r.request, refusal.code);
  r.code(status).send(errorBody(refusal, langOf(r.request), surfaceOf(r.request)));
  return reply;
}

const COMPONENT_PREFIXES: readonly (readonly [string, string])[] = [['/ch/', 'clearinghouse'], ['/ls/', 'license-server'], ['/sh/', 'session-host']];

/** Counts a refusal in `opencal_refusals_total{component,code}` (docs/metrics.md), by the component its URL names. */
export function countRefusal(request: Pick<FastifyRequest, 'url' | 'server'>, code: string): void {
  const registry = (request.server as { opencalMetrics?: Registry } | undefined)?.opencalMetrics;
  if (!registry) return;
  const component = COMPONENT_PREFIXES.find(([prefix]) => request.url.startsWith(prefix))?.[1] ?? 'server';
  refusalCounter(registry).labels(component, code).inc();
}

const answer = (r: Refusal) => ({ status: statusForCode(r.code), refusal: r });

interface AjvProblem {
  keyword: string;
  instancePath?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/**
 * One validator problem as the catalogue words it (`rule` and `limit`, rendered in English and French by
 * src/core/refusals.ts); `problem` keeps the English words for clients that read the detail.
 */
export function validationProblem(where: string, v: AjvProblem): InputProblem {
  const path = v.instancePath ? `${where}${v.instancePath}` : where;
  const params = v.params ?? {};
  const num = (key: string) => (typeof params[key] === 'number' ? (params[key] as number) : undefined);
  let p: Omit<InputProblem, 'problem'>;
  switch (v.keyword) {
    case 'required':
      p = { field: `${where}${v.instancePath ?? ''}/${String(params['missingProperty'])}`, rule: 'required' };
      break;
    case 'additionalProperties':
      p = { field: `${path}/${String(params['additionalProperty'])}`, rule: 'additional' };
      break;
    case 'type':
      p = { field: path, rule: 'type', expected: String(params['type']) };
      break;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties':
      p = { field: path, rule: v.keyword, limit: num('limit') ?? 0 };
      break;
    case 'pattern':
      p = { field: path, rule: params['pattern'] === NO_CONTROL_CHARACTERS ? 'control-characters' : 'pattern' };
      break;
    case 'enum':
      p = { field: path, rule: 'enum', allowed: Array.isArray(params['allowedValues']) ? (params['allowedValues'] as unknown[]) : [] };
      break;
    case 'const':
      p = { field: path, rule: 'enum', allowed: [params['allowedValue']] };
      break;
    case 'anyOf':
    case 'oneOf':
      p = { field: path, rule: 'union' };
      break;
    default:
      p = { field: path, rule: 'invalid' };
  }
  return { ...p, problem: inputProblemWords(p, 'en') };
}

/**
 * Maps Fastify's own errors (validation, body limits, parsing, rate limit) and storage faults to refusals, with the catalogue's
 * status; another 4xx Fastify raises keeps its own status as an INVALID_REQUEST.
 */
export function refusalFromError(error: FastifyError, request: FastifyRequest): { status: number; refusal: Refusal } {
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    // A failed union reports each branch, then itself: the union is what the caller can act on.
    const union = error.validation.find((v) => v.keyword === 'anyOf' || v.keyword === 'oneOf');
    const problems = (union ? [union] : error.validation).map((v) => validationProblem(where, v));
    return answer(refusal('INVALID_REQUEST', { problems }));
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit;
      return answer(refusal('BODY_TOO_LARGE', limit === undefined ? {} : { limit }));
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer(refusal('UNSUPPORTED_MEDIA_TYPE', { contentType: request.headers['content-type'] ?? '' }));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer(refusal('INVALID_REQUEST', { problem: 'empty-body' }));
    case 'FST_ERR_BAD_URL':
      return answer(refusal('INVALID_REQUEST', { problem: 'bad-url' }));
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return answer(refusal('INVALID_REQUEST', { problem: 'not-json' }));
    default:
      break;
  }
  const status = error.statusCode ?? 500;
  if (status === 429) {
    const after = (error as { after?: unknown }).after;
    return { status, refusal: refusal('TOO_MANY_REQUESTS', typeof after === 'string' ? { retryIn: after } : {}) };
  }
  if (status >= 400 && status < 500) {
    if (error instanceof SyntaxError) return answer(refusal('INVALID_REQUEST', { problem: 'not-json' }));
    return { status, refusal: refusal('INVALID_REQUEST', { problem: 'refused', reason: error.message }) };
  }
  // A database or disk that can no longer write is an outage the operator fixes, not a bug: a typed 503.
  const fault = storageFaultOf(error);
  if (fault) return answer(refusal(fault === 'full' ? 'STORAGE_FULL' : 'STORAGE_READ_ONLY'));
  return answer(refusal('INTERNAL_ERROR', { requestId: request.id }));
}
