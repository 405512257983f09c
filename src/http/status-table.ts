/**
 * Refusal code → HTTP status, derived from the one catalogue of refusals (src/core/refusals.ts), where each code
 * is listed once with its status (STYLE.md "Errors": domain code carries no status; http/ answers it).
 */
import { REFUSALS, type RefusalCode } from '../core/refusals';

export const statusTable: Readonly<Record<RefusalCode, number>> = Object.fromEntries(
  Object.entries(REFUSALS).map(([code, entry]) => [code, entry.status]),
) as Record<RefusalCode, number>;

/**
 * Status for a refusal code. A code this server does not know (relayed from a newer peer) is answered by its
 * shape: *_NOT_FOUND is 404, *_UNREACHABLE is 502, anything else 422 (a well-formed request the rules refuse).
 */
export function statusForCode(code: string): number {
  if (Object.prototype.hasOwnProperty.call(statusTable, code)) return statusTable[code as RefusalCode];
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code.endsWith('_UNREACHABLE')) return 502;
  return 422;
}
