/**
 * Where a clearinghouse node keeps the private keys of its key set: its data directory, `root.key` (the first key,
 * which also derives the codes' MAC key) and one `signing-<kid>.key` per rotation, each PKCS#8 PEM, mode 0600.
 * Nodes of one clearinghouse hold the same files (a shared secret mount, or copies): docs/clearinghouse.md
 * "Scaling out". Tests and embedders that give the key itself use `keysInMemory`.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { clearinghouseKid, generateIdentity, type Identity, loadOrCreateIdentity, withKid } from './identity';

export const ROOT_KEY_FILE = 'root.key';
const SIGNING_KEY = /^signing-(ch-[A-Za-z0-9_-]+)\.key$/;

export interface KeyFiles {
  /** where the keys are, for messages */
  readonly where: string;
  /** every private key held, each with its clearinghouse kid */
  load(): Identity[];
  /** makes the root key (first start of a clearinghouse) */
  createRoot(): Identity;
  /** makes a key for a rotation */
  createSigning(): Identity;
  /** forgets a key made for a rotation that did not happen (its file would be a key outside the set) */
  discard(kid: string): void;
}

const asClearinghouseKey = (identity: Identity): Identity => withKid(identity, clearinghouseKid(identity.publicKeyRaw));

export function keyDirectory(dir: string): KeyFiles {
  return {
    where: dir,
    load() {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
      const files = names.filter((n) => n === ROOT_KEY_FILE || SIGNING_KEY.test(n)).sort((a, b) => (a === ROOT_KEY_FILE ? -1 : b === ROOT_KEY_FILE ? 1 : a.localeCompare(b)));
      return files.map((n) => asClearinghouseKey(loadOrCreateIdentity(join(dir, n))));
    },
    createRoot: () => asClearinghouseKey(loadOrCreateIdentity(join(dir, ROOT_KEY_FILE))),
    createSigning() {
      const key = asClearinghouseKey(generateIdentity());
      // loadOrCreateIdentity writes a new file with mode 0600; here the key is made first, to name the file by its kid.
      return asClearinghouseKey(loadOrCreateIdentity(join(dir, `signing-${key.kid}.key`), key));
    },
    discard(kid) {
      rmSync(join(dir, `signing-${kid}.key`), { force: true });
    },
  };
}

/** Keys held in memory only (tests, embedders that manage their own key storage). */
export function keysInMemory(initial: readonly Identity[]): KeyFiles {
  const held = initial.map(asClearinghouseKey);
  return {
    where: 'memory',
    load: () => [...held],
    createRoot() {
      const key = asClearinghouseKey(generateIdentity());
      held.unshift(key);
      return key;
    },
    createSigning() {
      const key = asClearinghouseKey(generateIdentity());
      held.push(key);
      return key;
    },
    discard(kid) {
      const i = held.findIndex((k) => k.kid === kid);
      if (i >= 0) held.splice(i, 1);
    },
  };
}
