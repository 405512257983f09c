/**
 * The alerts a component has raised (docs/alerts.md), kept in its own database (`alerts`, one row per active alert)
 * so that an alert is raised — and its event recorded — once per transition, across restarts and across several
 * nodes of one clearinghouse: a raise is an insert that a unique key lets through once, a clear a delete that
 * returns the row once. What is active is decided by the pure rules of core/alert-rules.ts from facts each
 * component gathers; this file keeps the state and runs the evaluation on a timer and on demand.
 */
import type { Kysely } from 'kysely';
import { ALERT_PAGES, alertMessage, alertTransitions, type Alert, type AlertKind, type RaisedAlert } from '../core/alert-rules';
import type { Clock } from '../core/clock';
import { ok } from '../core/result';
import type { ActiveAlert, AlertList } from '../core/wire/alerts';
import type { Change } from './change';

export type AlertComponent = ActiveAlert['component'];

/** How often a component evaluates its alerts unless told otherwise (--alert-interval-seconds). */
export const DEFAULT_ALERT_INTERVAL_MS = 60_000;

interface AlertsTables {
  alerts: { kind: string; subject: string; since: string };
}

export interface StoredAlert extends RaisedAlert {
  readonly since: string;
}

export async function listStoredAlerts(db: Kysely<any>): Promise<StoredAlert[]> {
  const rows = await (db as Kysely<AlertsTables>).selectFrom('alerts').select(['kind', 'subject', 'since']).orderBy('since').orderBy('kind').orderBy('subject').execute();
  return rows.map((r) => ({ kind: r.kind as AlertKind, subject: r.subject, since: r.since }));
}

/** Inserts the alert unless another evaluation (another node) did: true when this one raised it. */
async function insertAlert(trx: Kysely<any>, a: Alert, since: string): Promise<boolean> {
  const rows = await (trx as Kysely<AlertsTables>)
    .insertInto('alerts')
    .values({ kind: a.kind, subject: a.subject, since })
    .onConflict((oc) => oc.columns(['kind', 'subject']).doNothing())
    .returning('kind')
    .execute();
  return rows.length > 0;
}

/** Deletes the alert unless another evaluation did: true when this one cleared it. */
async function deleteAlert(trx: Kysely<any>, a: RaisedAlert): Promise<boolean> {
  const rows = await (trx as Kysely<AlertsTables>).deleteFrom('alerts').where('kind', '=', a.kind).where('subject', '=', a.subject).returning('kind').execute();
  return rows.length > 0;
}

export interface AlertMonitorDeps {
  component: AlertComponent;
  db: Kysely<any>;
  change: Change<any, any>;
  clock: Clock;
  /** the component's event ids for a raised and a cleared alert (core/events.ts) */
  events: { raised: number; cleared: number };
  /** the alerts active now, from the component's facts and the thresholds */
  gather: (now: Date) => Promise<Alert[]>;
}

export interface AlertMonitor {
  /** evaluates now: records the transitions, answers the active alerts (calls made meanwhile share one run) */
  evaluate(): Promise<AlertList>;
  /** evaluates every `intervalMs` (0: never) until close() */
  start(intervalMs: number): void;
  close(): void;
}

export function createAlertMonitor(deps: AlertMonitorDeps): AlertMonitor {
  let running: Promise<AlertList> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  const run = async (): Promise<AlertList> => {
    const now = deps.clock.now();
    const current = await deps.gather(now);
    const before = await listStoredAlerts(deps.db);
    const { raised, cleared } = alertTransitions(before, current);
    if (raised.length > 0 || cleared.length > 0) {
      await deps.change(async (trx: Kysely<any>, log, at: Date) => {
        for (const a of raised) {
          if (await insertAlert(trx, a, at.toISOString())) {
            log.event(deps.events.raised, { kind: a.kind, subject: a.subject, threshold: a.threshold, message: alertMessage(a, 'en'), ...a.facts });
          }
        }
        for (const a of cleared) {
          if (await deleteAlert(trx, a)) log.event(deps.events.cleared, { kind: a.kind, subject: a.subject, since: a.since });
        }
        return ok(undefined);
      });
    }
    const since = new Map((await listStoredAlerts(deps.db)).map((s) => [`${s.kind}\u0000${s.subject}`, s.since]));
    return {
      evaluatedAt: now.toISOString(),
      alerts: current.map((a) => ({
        component: deps.component,
        kind: a.kind,
        subject: a.subject,
        since: since.get(`${a.kind}\u0000${a.subject}`) ?? now.toISOString(),
        threshold: a.threshold,
        facts: { ...a.facts },
        message: { en: alertMessage(a, 'en'), fr: alertMessage(a, 'fr') },
        page: ALERT_PAGES[a.kind],
      }))
        // oldest first, as an administrator reads a list of things to do
        .sort((x, y) => x.since.localeCompare(y.since) || x.kind.localeCompare(y.kind) || x.subject.localeCompare(y.subject)),
    };
  };

  return {
    evaluate() {
      running ??= run().finally(() => {
        running = undefined;
      });
      return running;
    },
    start(intervalMs) {
      if (intervalMs <= 0 || timer) return;
      timer = setInterval(() => {
        this.evaluate().catch(() => {
          // a failed evaluation (database outage) is retried on the next tick; the read route reports errors
        });
      }, intervalMs);
      timer.unref();
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
