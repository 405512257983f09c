/**
 * The one way a component changes its database (STYLE.md "Audit/events are written in the same transaction as
 * the change they describe"): `change(work)` runs `work` in one transaction with a ChangeLog; the events it
 * logged and, where the component keeps one, its audit records are written in that same transaction, last, and
 * commit with the change. When `work` returns a refusal the transaction is rolled back, so a refusal changes
 * nothing; the events logged with `eventEvenIfRefused` are written after the rollback. Events that belong to no
 * change (a start, a refused request that read only) are written by `change.event(...)`.
 *
 * The clearinghouse, the license server and the session host each build one with `createChange`; the license
 * server's issuance cache is dropped by `afterwards`, whatever the outcome, instead of by each use case.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock';
import type { EventComponent, EventLevel } from '../core/events';
import type { Result } from '../core/result';
import { recordEvent } from '../events/event-log';
import { isRetryable, isUniqueViolation } from './dialect';

/** An event of the catalog (src/core/events.ts) to write with a change. */
export interface LoggedEvent {
  eventId: number;
  data: Record<string, unknown>;
  /** overrides the catalog's level (e.g. a warning that became an error). */
  level?: EventLevel;
}

/** What a change will write besides its own rows: events, and `A` records (the clearinghouse's audit entries). */
export class ChangeLog<A = never> {
  readonly events: LoggedEvent[] = [];
  /** events that stay recorded even when the change is refused (e.g. an install refused as already activated). */
  readonly refusalEvents: LoggedEvent[] = [];
  readonly audit: A[] = [];

  event(eventId: number, data: Record<string, unknown> = {}, level?: EventLevel): void {
    this.events.push(level === undefined ? { eventId, data } : { eventId, data, level });
  }

  eventEvenIfRefused(eventId: number, data: Record<string, unknown> = {}, level?: EventLevel): void {
    this.refusalEvents.push(level === undefined ? { eventId, data } : { eventId, data, level });
  }

  record(entry: A): void {
    this.audit.push(entry);
  }
}

/** A unit of work: reads and writes through `trx`, logs what it did, answers with a Result. */
export type ChangeWork<DB, A, T> = (trx: Kysely<DB>, log: ChangeLog<A>, at: Date) => Promise<Result<T>>;

export interface Change<DB, A = never> {
  <T>(work: ChangeWork<DB, A, T>): Promise<Result<T>>;
  /** record one event outside any change (in a transaction of its own). */
  event(eventId: number, data?: Record<string, unknown>, level?: EventLevel): Promise<void>;
}

export interface ChangeOptions<DB, A> {
  db: Kysely<DB>;
  component: EventComponent;
  clock: Clock;
  /** writes the log's other records in the transaction, after the events (the clearinghouse's audit chain). */
  beforeCommit?: (trx: Kysely<DB>, log: ChangeLog<A>, at: Date) => Promise<void>;
  /** runs when the change is over, committed, refused or failed (e.g. to drop a cache of what it may have changed). */
  afterwards?: () => void;
  /**
   * How many times a transaction is run again when the database asks (deadlock, busy) or a unique index raced
   * (default 0: the error goes to the caller). Each attempt starts with an empty log.
   */
  retries?: number;
}

class Refused {
  constructor(readonly result: Result<never>) {}
}

export function createChange<DB, A = never>(o: ChangeOptions<DB, A>): Change<DB, A> {
  const write = async (db: Kysely<DB>, events: readonly LoggedEvent[], at: Date) => {
    for (const e of events) {
      await recordEvent(db as Kysely<any>, { component: o.component, eventId: e.eventId, data: e.data, at, ...(e.level ? { level: e.level } : {}) });
    }
  };

  async function attempt<T>(work: ChangeWork<DB, A, T>): Promise<Result<T>> {
    const log = new ChangeLog<A>();
    const at = o.clock.now();
    try {
      return await o.db.transaction().execute(async (trx) => {
        const result = await work(trx, log, at);
        if (!result.ok) throw new Refused(result);
        await write(trx, log.events, at);
        await o.beforeCommit?.(trx, log, at);
        return result;
      });
    } catch (error) {
      if (error instanceof Refused) {
        await write(o.db, log.refusalEvents, at);
        return error.result;
      }
      throw error;
    }
  }

  const change = async <T>(work: ChangeWork<DB, A, T>): Promise<Result<T>> => {
    try {
      for (let tries = 0; ; tries++) {
        try {
          return await attempt(work);
        } catch (error) {
          if (tries >= (o.retries ?? 0) || !(isRetryable(error) || isUniqueViolation(error))) throw error;
        }
      }
    } finally {
      o.afterwards?.();
    }
  };
  change.event = async (eventId: number, data: Record<string, unknown> = {}, level?: EventLevel) => {
    await write(o.db, [{ eventId, data, ...(level ? { level } : {}) }], o.clock.now());
  };
  return change;
}
