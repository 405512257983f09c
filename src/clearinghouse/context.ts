/**
 * What every clearinghouse use case receives, and the one way they change state: `ctx.change()` (storage/change.ts,
 * the same helper as the other components) runs the work in a transaction and writes its events and audit records
 * in that same transaction (audit last, see the repository). A use case that refuses after starting a transaction
 * returns the refusal through `change()`, which rolls back, so a refusal changes nothing; events about refusals
 * are written after the rollback.
 */
import type { Clock } from '../core/clock';
import type { ChangeLog as SharedChangeLog, Change } from '../storage/change';
import type { Database } from '../storage/database';
import type { Identity } from '../trust/index';
import type { AuditEntry, ChDb, ChTables } from './clearinghouse.repository';
import type { KeyRing } from './keys.usecase';

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
  /**
   * what a typed code creates (an activation from a confirmation, a key pack from a key pack ID) is honoured this
   * many days without its signed certificate or grant (default 14); published in the trust anchor.
   */
  provisionalWindowDays: number;
  /** a migration code is accepted this many days after the day it was made (default 30). */
  migrationCodeDays: number;
}

export interface ChContext {
  readonly database: Database;
  readonly db: ChDb;
  readonly clock: Clock;
  readonly random: (n: number) => Uint8Array;
  /**
   * the root key (the key set's first key); its `kid` is `ch-` + 16 chars of base64url(sha256(pub)). The codes'
   * MAC key derives from it; documents are signed with `keys.signer()`.
   */
  readonly identity: Identity;
  /** the key that signs audit checkpoints (`checkpoint.key` beside `root.key`); its `kid` is `cp-` + 16 chars. */
  readonly checkpointIdentity: Identity;
  /** the key set: the key documents are signed with, the keys the trust anchor lists (keys.usecase.ts) */
  readonly keys: KeyRing;
  readonly config: ClearinghouseConfig;
  /** the one way a use case changes the database: its events and audit records commit with it. */
  readonly change: Change<ChTables, AuditEntry>;
}

/** Who did something, as the audit log names them: `admin:<token id>`, `org:<id>`, `agent:<id>`, `server:<id>`. */
export type Actor = string;

/** What a clearinghouse change logs: its events and its audit records (written last, see the repository). */
export type ChangeLog = SharedChangeLog<AuditEntry>;
