/**
 * Storage faults: the database (or the file system under it) can no longer write, while it can still read. Both
 * databases name them differently; OpenCAL answers them the same way (503 STORAGE_FULL / STORAGE_READ_ONLY, see
 * src/core/refusals.ts), so an operator and a client see one code whatever the database is.
 *
 * - full: SQLite SQLITE_FULL (the file system or `max_page_count`), PostgreSQL 53100 disk_full, Node ENOSPC/EDQUOT;
 * - read-only: SQLite SQLITE_READONLY and its extended codes, PostgreSQL 25006 read_only_sql_transaction
 *   (a standby, `default_transaction_read_only`), Node EROFS.
 */
export type StorageFault = 'full' | 'read-only';

const FULL = new Set(['SQLITE_FULL', '53100', 'ENOSPC', 'EDQUOT']);
const READ_ONLY = new Set(['SQLITE_READONLY', '25006', 'EROFS']);

function faultOfCode(code: unknown): StorageFault | undefined {
  if (typeof code !== 'string') return undefined;
  if (FULL.has(code)) return 'full';
  if (READ_ONLY.has(code) || code.startsWith('SQLITE_READONLY_')) return 'read-only';
  return undefined;
}

/** The storage fault behind `error` (looked for along its `cause` chain), or undefined for any other error. */
export function storageFaultOf(error: unknown): StorageFault | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const fault = faultOfCode((e as { code?: unknown }).code);
    if (fault) return fault;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
