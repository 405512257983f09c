/**
 * A device's license store: the `HKLM\Software\Microsoft\MSLicensing` equivalent (rds-facts §5). One JSON file
 * per device (mode 0600) holding the hardware ID, made once, and the CAL bundles the device received.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CalBundle, CalTokenPayload } from '../core/protocol';
import type { CalKind, CalType, CalVersion } from '../core/vocabulary';
import { randomBytes, type RandomBytes } from '../platform/random';

export const STORE_VERSION = 1;

export interface StoredCal {
  bundle: CalBundle;
  jti: string;
  /** issuing license server ID */
  licenseServerId: string;
  kind: CalKind;
  calType: CalType;
  calVersion: CalVersion;
  user?: string;
  issuedAt: string;
  expiresAt: string;
  receivedAt: string;
  /** the session host that handed it over */
  from?: string;
}

export interface LicenseStore {
  version: typeof STORE_VERSION;
  /** the device's hardware ID: made once, never changes (a new store is a new device). */
  hwid: string;
  createdAt: string;
  cals: StoredCal[];
}

/** The claims of a CAL token, read without verifying (the device cannot verify; the session host does). */
export function readClaims(token: string): CalTokenPayload | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as CalTokenPayload;
    if (payload.typ !== 'opencal.cal' || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') return undefined;
    return payload;
  } catch {
    return undefined;
  }
}

/** Opens the store, creating it (with a new hardware ID) when it does not exist. */
export function openStore(path: string, now: Date, random: RandomBytes = randomBytes): LicenseStore {
  if (!existsSync(path)) {
    const store: LicenseStore = {
      version: STORE_VERSION,
      hwid: Buffer.from(random(16)).toString('hex').toUpperCase(),
      createdAt: now.toISOString(),
      cals: [],
    };
    saveStore(path, store);
    return store;
  }
  return readStore(path);
}

export function readStore(path: string): LicenseStore {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`The license store ${path} cannot be read (${(e as Error).message}). Move it away to start with a new store (a new hardware ID).`, {
      cause: e,
    });
  }
  const store = parsed as LicenseStore;
  if (store?.version !== STORE_VERSION || typeof store.hwid !== 'string' || !Array.isArray(store.cals)) {
    throw new Error(`The license store ${path} is not an OpenCAL license store (version ${STORE_VERSION}).`);
  }
  return store;
}

/** Writes atomically (temp file + rename) with mode 0600: the store is the device's licenses. */
export function saveStore(path: string, store: LicenseStore): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(store, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * Adds a bundle received from a session host. It replaces what the store held for the same license server,
 * CAL type (and user, for per-user CALs): a temporary CAL upgraded to a permanent one, or a renewal.
 */
export function addCal(store: LicenseStore, bundle: CalBundle, now: Date, from?: string): StoredCal | undefined {
  const claims = readClaims(bundle.token);
  if (!claims) return undefined;
  const entry: StoredCal = {
    bundle,
    jti: claims.jti,
    licenseServerId: claims.iss,
    kind: claims.kind,
    calType: claims.calType,
    calVersion: claims.calVersion,
    issuedAt: new Date(claims.iat * 1000).toISOString(),
    expiresAt: new Date(claims.exp * 1000).toISOString(),
    receivedAt: now.toISOString(),
    ...(claims.user === undefined ? {} : { user: claims.user }),
    ...(from === undefined ? {} : { from }),
  };
  store.cals = store.cals.filter(
    (c) => !(c.licenseServerId === entry.licenseServerId && c.calType === entry.calType && (c.user ?? '') === (entry.user ?? '')),
  );
  store.cals.push(entry);
  return entry;
}

export function removeCals(store: LicenseStore, jtis: readonly string[]): number {
  const before = store.cals.length;
  store.cals = store.cals.filter((c) => !jtis.includes(c.jti));
  return before - store.cals.length;
}

/** The CALs worth presenting now: not expired. */
export function presentable(store: LicenseStore, now: Date): StoredCal[] {
  return store.cals.filter((c) => new Date(c.expiresAt).getTime() > now.getTime());
}
