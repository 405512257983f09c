/**
 * What every clearinghouse use case receives, and the one way they change state: `change()` runs the work
 * in a transaction and writes its events and audit records in that same transaction (audit last, see the
 * repository). A use case that refuses after starting a transaction returns the refusal through `change()`,
 * which rolls back, so a refusal changes nothing; events about refusals are written after the rollback.
 */
import type { Clock } from '../core/clock';
import type { Result } from '../core/result';
import type { Database } from '../storage/database';
import type { Identity } from '../trust/index';
import { recordEvent } from '../events/event-log';
import { appendAudit, type AuditEntry, type ChDb } from './clearinghouse.repository';

export interface ClearinghouseConfig {
  /** validity of a server certificate, days (default 730). */
  certificateDays: number;
  /** a source license server silent this long counts as gone, days (default 30). */
  silenceDays: number;
  /** reissues allowed per pack within `transferWindowDays` before a case needs an agent (default 2). */
  transferBudget: number;
  /** the window the transfer budget counts over, days (default 365). */
  transferWindowDays: number;
  /** a signed request's `iat` must be within this many seconds of our clock (default 300). */
  nonceWindowSeconds: number;
}

export interface ChContext {
  readonly database: Database;
  readonly db: ChDb;
  readonly clock: Clock;
  readonly random: (n: number) => Uint8Array;
  /** the root key; its `kid` is `ch-` + 16 chars of base64url(sha256(pub)). */
  readonly identity: Identity;
  readonly config: ClearinghouseConfig;
}

/** Who did something, as the audit log names them: `admin:<token id>`, `org:<id>`, `agent:<id>`, `server:<id>`. */
export type Actor = string;

export class ChangeLog {
  readonly audit: AuditEntry[] = [];
  readonly events: { eventId: number; data: Record<string, unknown> }[] = [];
  /** events that stay recorded even when the change is refused (e.g. an install refused as already activated). */
  readonly refusalEvents: { eventId: number; data: Record<string, unknown> }[] = [];

  record(entry: AuditEntry): void {
    this.audit.push(entry);
  }

  event(eventId: number, data: Record<string, unknown>): void {
    this.events.push({ eventId, data });
  }

  eventEvenIfRefused(eventId: number, data: Record<string, unknown>): void {
    this.refusalEvents.push({ eventId, data });
  }
}

class Refused {
  constructor(readonly result: Result<never>) {}
}

/**
 * Runs `work` in one transaction with a ChangeLog. When `work` returns a refusal, the transaction is rolled
 * back and the refusal returned; otherwise its events and audit records are written before the commit.
 */
export async function change<T>(ctx: ChContext, work: (trx: ChDb, log: ChangeLog, at: Date) => Promise<Result<T>>): Promise<Result<T>> {
  const log = new ChangeLog();
  const at = ctx.clock.now();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const result = await work(trx, log, at);
      if (!result.ok) throw new Refused(result);
      for (const e of log.events) await recordEvent(trx, { component: 'clearinghouse', eventId: e.eventId, data: e.data, at });
      await appendAudit(trx, ctx.database.dialect, at.toISOString(), log.audit);
      return result;
    });
  } catch (error) {
    if (error instanceof Refused) {
      for (const e of log.refusalEvents) await recordEvent(ctx.db, { component: 'clearinghouse', eventId: e.eventId, data: e.data, at });
      return error.result;
    }
    throw error;
  }
}
