import { Type, type Static } from 'typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Refusal } from '../core/result';
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

export function errorBody(refusal: Refusal): ErrorBody {
  return refusal.detail === undefined
    ? { error: { code: refusal.code, message: refusal.message } }
    : { error: { code: refusal.code, message: refusal.message, detail: refusal.detail } };
}

/** Any Fastify reply, whatever its route's type provider says about status codes. */
// The typed reply narrows `code()` to the statuses in the schema; the table decides the status here.
type AnyReply = Pick<FastifyReply, 'sent'> & { code: (...args: never[]) => unknown };

/**
 * Answer a refusal with the status from the status table and the one error body.
 * Returns the reply so a handler can `return sendRefusal(reply, result.error)`.
 */
export function sendRefusal<R extends AnyReply>(reply: R, refusal: Refusal): R {
  const r = reply as unknown as FastifyReply;
  r.code(statusForCode(refusal.code)).send(errorBody(refusal));
  return reply;
}

/** Maps Fastify's own errors (validation, body limits, parsing, rate limit) to refusals. */
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
    const text = problems.map((p) => `${p.field} ${p.problem}`).join('; ');
    return {
      status: 400,
      refusal: {
        code: 'INVALID_REQUEST',
        message: `The request is invalid: ${text}. See the route's schema at /docs.`,
        detail: { problems },
      },
    };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        refusal: {
          code: 'BODY_TOO_LARGE',
          message: `The request body is larger than this server accepts (${request.routeOptions.bodyLimit ?? 'limit'} bytes). Send a smaller body.`,
        },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        refusal: {
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: `Content type '${request.headers['content-type'] ?? ''}' is not accepted. Send JSON with 'Content-Type: application/json'.`,
        },
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        refusal: { code: 'INVALID_REQUEST', message: "The body is empty but 'Content-Type: application/json' was sent. Send a JSON body or drop the header." },
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, refusal: { code: 'INVALID_REQUEST', message: 'The body is not valid JSON. Check the quoting and commas of the JSON you send.' } };
    default:
      break;
  }
  const status = error.statusCode ?? 500;
  if (status === 429) {
    const message = error.code === 'FST_RATE_LIMIT' ? error.message : 'Too many requests from this address. Wait a minute and try again.';
    return { status, refusal: { code: 'TOO_MANY_REQUESTS', message } };
  }
  if (status >= 400 && status < 500) {
    if (error instanceof SyntaxError) {
      return { status: 400, refusal: { code: 'INVALID_REQUEST', message: 'The body is not valid JSON. Check the quoting and commas of the JSON you send.' } };
    }
    return { status, refusal: { code: 'INVALID_REQUEST', message: `The request was refused: ${error.message}.` } };
  }
  return {
    status: 500,
    refusal: {
      code: 'INTERNAL_ERROR',
      message: `Something went wrong on the server. The request id is ${request.id}: give it to the operator, who will find the cause in the server log.`,
      detail: { requestId: request.id },
    },
  };
}
