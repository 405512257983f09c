import { Type, type Static } from 'typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { langFromAcceptLanguage, type Lang } from '../core/refusals';
import { messageFor, refusal, type Refusal } from '../core/result';
import { statusForCode } from './status-table';

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

/** The error body of a refusal, its message in `lang` in the API's words (src/core/refusals.ts). */
export function errorBody(refusal: Refusal, lang: Lang = 'en'): ErrorBody {
  const message = messageFor(refusal, lang, 'api');
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
  r.code(status).send(errorBody(refusal, langOf(r.request)));
  return reply;
}

const answer = (r: Refusal) => ({ status: statusForCode(r.code), refusal: r });

/**
 * Maps Fastify's own errors (validation, body limits, parsing, rate limit) to refusals, with the catalogue's
 * status; another 4xx Fastify raises keeps its own status as an INVALID_REQUEST.
 */
export function refusalFromError(error: FastifyError, request: FastifyRequest): { status: number; refusal: Refusal } {
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    const problems = error.validation.map((v) => {
      const path = v.instancePath ? `${where}${v.instancePath}` : where;
      const params = v.params as Record<string, unknown> | undefined;
      if (v.keyword === 'required' && params && typeof params['missingProperty'] === 'string') {
        return { field: `${where}/${params['missingProperty']}`, problem: 'is required' };
      }
      if (v.keyword === 'additionalProperties' && params && typeof params['additionalProperty'] === 'string') {
        return { field: `${path}/${params['additionalProperty']}`, problem: 'is not an allowed property' };
      }
      return { field: path, problem: v.message ?? 'is invalid' };
    });
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
  return answer(refusal('INTERNAL_ERROR', { requestId: request.id }));
}
