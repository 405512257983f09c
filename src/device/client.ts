/**
 * The device client: connects to a session host with the CALs of its license store, and stores the CAL it
 * receives (temporary at the first connection, permanent at the next, DESIGN §5).
 */
import type { Clock } from '../core/clock';
import type { CalKind } from '../core/vocabulary';
import { err, ok, type Refusal, type Result } from '../core/result';
import { callJson } from '../http/client';
import { systemClock } from '../platform/system-clock';
import type { RandomBytes } from '../platform/random';
import { addCal, openStore, presentable, readStore, removeCals, saveStore } from './license-store';
import type { Admission } from '../core/wire/session-host';

export interface ConnectOptions {
  /** the device (computer) name */
  name: string;
  user?: string;
  /** the license store file of this device */
  storePath: string;
  /**
   * the gate front-end credential (`sh:gate`, or the session host admin token): the session host gives a seat
   * only to a connection a front end authenticated (docs/session-host.md "Gate front ends").
   */
  credential?: string;
  clock?: Clock;
  random?: RandomBytes;
  timeoutMs?: number;
}

export interface ConnectOutcome {
  admitted: true;
  basis: Admission['basis'];
  graceDaysLeft: number;
  /** the CAL the device now relies on, when there is one */
  cal?: { kind: CalKind; expiresAt: string; licenseServerId?: string; stored: boolean };
  warning?: { code: string; message: string };
  /** CALs dropped from the store on the session host's word (invalidated server, reissued pack) */
  discarded: string[];
}

/**
 * Connects to a session host (`hostUrl` is its origin). Expired CALs are not presented. On admit the new CAL
 * (if any) is stored; on refusal the store is unchanged and the refusal carries the message the user sees.
 */
export async function connect(hostUrl: string, options: ConnectOptions): Promise<Result<ConnectOutcome, Refusal>> {
  const clock = options.clock ?? systemClock;
  const now = clock.now();
  const store = openStore(options.storePath, now, options.random);
  const cals = presentable(store, now).map((c) => c.bundle);
  const body = { device: options.name, hwid: store.hwid, cals, ...(options.user === undefined ? {} : { user: options.user }) };
  const answer = await callJson<Admission>(hostUrl, 'POST', '/sh/v1/connect', {
    body,
    ...(options.credential === undefined ? {} : { token: options.credential }),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  if (!answer.ok) return err(answer.error);
  const a = answer.value;
  const fresh = readStore(options.storePath);
  const discarded = a.discard ?? [];
  removeCals(fresh, discarded);
  let stored = false;
  if (a.bundle) stored = addCal(fresh, a.bundle, clock.now(), hostUrl) !== undefined;
  saveStore(options.storePath, fresh);
  const outcome: ConnectOutcome = { admitted: true, basis: a.basis, graceDaysLeft: a.graceDaysLeft, discarded };
  if (a.kind && a.expiresAt) {
    outcome.cal = { kind: a.kind, expiresAt: a.expiresAt, stored, ...(a.licenseServerId ? { licenseServerId: a.licenseServerId } : {}) };
  }
  if (a.warning) outcome.warning = a.warning;
  return ok(outcome);
}

export interface HeldToken {
  jti: string;
  kind: CalKind;
  calType: string;
  calVersion: number;
  licenseServerId: string;
  user?: string;
  issuedAt: string;
  expiresAt: string;
  expired: boolean;
  daysLeft: number;
}

/** Which CAL tokens the device holds and until when (the view of MSLicensing). */
export function listTokens(storePath: string, clock: Clock = systemClock): { hwid: string; tokens: HeldToken[] } {
  const store = readStore(storePath);
  const now = clock.now().getTime();
  return {
    hwid: store.hwid,
    tokens: store.cals.map((c) => {
      const ms = new Date(c.expiresAt).getTime() - now;
      return {
        jti: c.jti,
        kind: c.kind,
        calType: c.calType,
        calVersion: c.calVersion,
        licenseServerId: c.licenseServerId,
        ...(c.user === undefined ? {} : { user: c.user }),
        issuedAt: c.issuedAt,
        expiresAt: c.expiresAt,
        expired: ms <= 0,
        daysLeft: Math.max(0, Math.ceil(ms / 86_400_000)),
      };
    }),
  };
}

/** Removes CAL tokens from the store (all of them when `jtis` is omitted); the hardware ID stays. */
export function forgetTokens(storePath: string, jtis?: readonly string[]): number {
  const store = readStore(storePath);
  const removed = jtis === undefined ? store.cals.length : removeCals(store, jtis);
  if (jtis === undefined) store.cals = [];
  saveStore(storePath, store);
  return removed;
}
