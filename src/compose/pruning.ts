/**
 * The pruning timer of a server process (retention, docs/retention.md): every `intervalMs` it prunes each database
 * it was given, rule by rule, in batches of `batch` rows (storage/retention.ts), giving the event loop back between
 * two batches and stopping a round after `maxBatchesPerRound`, so a CAL request waits at most for one short DELETE.
 * A failing batch (a full disk: a DELETE needs room in SQLite's log too) ends the round; the next round tries again.
 */
import type { Kysely } from 'kysely';
import type { OpenCalConfig } from '../config/schema';
import type { Clock } from '../core/clock';
import { DEFAULT_CLEARINGHOUSE_CONFIG } from '../clearinghouse/module';
import { admissionsRule, endedIssuedLicensesRule, eventsRule, noncesRule, pruneBatch, type RetentionRule } from '../storage/retention';

export type RetentionConfig = Pick<
  OpenCalConfig,
  'retentionEventsDays' | 'retentionEventsMax' | 'retentionAdmissionsDays' | 'retentionAdmissionsMax' | 'retentionIssuedDays' | 'retentionIntervalSeconds' | 'retentionBatch'
>;

export type PrunedComponent = 'clearinghouse' | 'license-server' | 'session-host';

/** The rules of each component's database. */
export function retentionRules(component: PrunedComponent, config: RetentionConfig): RetentionRule[] {
  const events = eventsRule({ days: config.retentionEventsDays, maxRows: config.retentionEventsMax });
  switch (component) {
    case 'clearinghouse':
      return [events, noncesRule(DEFAULT_CLEARINGHOUSE_CONFIG.nonceWindowSeconds)];
    case 'license-server':
      return [events, endedIssuedLicensesRule(config.retentionIssuedDays)];
    case 'session-host':
      return [events, admissionsRule({ days: config.retentionAdmissionsDays, maxRows: config.retentionAdmissionsMax })];
  }
}

export interface PruneTarget {
  db: Kysely<any>;
  rules: RetentionRule[];
}

export interface Pruning {
  /** one round now (what the timer runs): rows deleted per rule name. */
  round(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function startPruning(targets: PruneTarget[], clock: Clock, o: { intervalMs: number; batch: number; maxBatchesPerRound?: number }): Pruning {
  const maxBatches = o.maxBatchesPerRound ?? 200;
  let running: Promise<Record<string, number>> | undefined;
  let closed = false;

  const round = async (): Promise<Record<string, number>> => {
    const deleted: Record<string, number> = {};
    let batches = 0;
    try {
      for (const target of targets) {
        for (const rule of target.rules) {
          for (;;) {
            if (closed || batches >= maxBatches) return deleted;
            batches += 1;
            const n = await pruneBatch(target.db, rule, clock.now(), o.batch);
            deleted[rule.name] = (deleted[rule.name] ?? 0) + n;
            await yieldToEventLoop();
            if (n < o.batch) break;
          }
        }
      }
    } catch {
      // The next round tries again (a full or read-only disk, a database restarting).
    }
    return deleted;
  };
  const once = () => (running ??= round().finally(() => (running = undefined)));

  const timer = o.intervalMs > 0 ? setInterval(() => void once(), o.intervalMs) : undefined;
  timer?.unref();
  return {
    round: once,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
