import { err, ok, peerRefusal, refusal, type Refusal, type Result } from '../core/result';
import { send, type Answer } from './transport';

export interface CallOptions {
  body?: unknown;
  /** bearer token sent as `Authorization: Bearer <token>` */
  token?: string;
  headers?: Record<string, string>;
  /** default 10 000 ms */
  timeoutMs?: number;
}

function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function isErrorEnvelope(value: unknown): value is { error: { code: string; message: string; detail?: Record<string, unknown> } } {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as Record<string, unknown>;
  return typeof e['code'] === 'string' && typeof e['message'] === 'string' && (e['detail'] === undefined || (typeof e['detail'] === 'object' && e['detail'] !== null));
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'no answer in time';
    // node:http puts the socket's code on the error; fetch put it on its cause
    const cause = (error as { cause?: { code?: string; message?: string } }).cause ?? (error as { code?: string; message?: string });
    if (cause?.code === 'ECONNREFUSED') return 'connection refused';
    if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return 'host name not found';
    if (cause?.code) return cause.code;
    if (cause?.message) return cause.message;
    return error.message;
  }
  return String(error);
}

/**
 * Call one of our JSON APIs. A refusal answered by the server comes back as `err(refusal)` with its code,
 * message and detail (plus `detail.status`); a network failure or timeout is `UNREACHABLE`; an answer that is
 * not our JSON is `BAD_RESPONSE`. A 204 answers `ok(undefined)`.
 */
export async function callJson<T>(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<Result<T, Refusal>> {
  const url = joinUrl(baseUrl, path);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;

  let answer: Answer;
  try {
    answer = await send(url, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }), timeoutMs });
  } catch (error) {
    const reason = describeNetworkError(error);
    return err(
      refusal(
        'UNREACHABLE',
        { url, method, reason, timeoutMs },
      ),
    );
  }

  const { text } = answer;
  const response = { status: answer.status, ok: answer.status >= 200 && answer.status < 300 };
  if (response.status === 204 || (response.ok && text.length === 0)) return ok(undefined as T);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return err(
      refusal(
        'BAD_RESPONSE',
        { url, method, status: response.status, contentType: answer.contentType, problem: 'not-json' },
      ),
    );
  }

  if (!response.ok) {
    if (isErrorEnvelope(parsed)) {
      const { code, message, detail } = parsed.error;
      return err(peerRefusal(code, message, { ...detail, status: response.status }));
    }
    return err(
      refusal(
        'BAD_RESPONSE',
        { url, method, status: response.status, problem: 'no-error-body' },
      ),
    );
  }
  return ok(parsed as T);
}
