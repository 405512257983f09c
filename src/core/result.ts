/**
 * Expected refusals are values, not exceptions (STYLE.md "Errors").
 * A refusal carries a stable UPPER_SNAKE code (the public contract: add, never rename),
 * a message that tells the user what to do next, and optional structured detail.
 * Domain code never carries an HTTP status: src/http/status-table.ts maps code -> status.
 */
export interface Refusal<C extends string = string> {
  readonly code: C;
  readonly message: string;
  readonly detail?: Record<string, unknown>;
}

export type Result<T, E = Refusal> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

export function refusal<C extends string>(code: C, message: string, detail?: Record<string, unknown>): Refusal<C> {
  return detail === undefined ? { code, message } : { code, message, detail };
}

/** Shorthand for `err(refusal(...))`. */
export function refuse<C extends string>(code: C, message: string, detail?: Record<string, unknown>) {
  return err(refusal(code, message, detail));
}
