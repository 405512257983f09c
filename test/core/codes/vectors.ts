/** Reads the golden vectors of docs/codes.md (the fenced `jsonl` block under "Golden vectors"). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CodeFields, CodeKind } from '../../../src/core/codes/index';

const DOC = fileURLToPath(new URL('../../../docs/codes.md', import.meta.url));

export interface CodeVector {
  kind: CodeKind;
  fields: Record<string, string | number>;
  macKey?: string;
  /** deactivation receipts: the activation serial the MAC binds. */
  activationSerial?: number;
  code: string;
}
export interface PublicKeyVector {
  derive: 'publicKey';
  publicKey: string;
  licenseServerId: string;
  productId: string;
  prefix64: string;
  prefix40: string;
}
export interface MacKeyVector {
  derive: 'codeMacKey';
  serverSeed: string;
  clearinghouseSeed: string;
  macKey: string;
}

export function readVectors(): { codes: CodeVector[]; publicKeys: PublicKeyVector[]; macKeys: MacKeyVector[] } {
  const text = readFileSync(DOC, 'utf8');
  const section = text.slice(text.indexOf('## Golden vectors'));
  const block = /```jsonl\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('docs/codes.md has no jsonl block under "Golden vectors"');
  const lines = block[1]!.split('\n').filter((l) => l.trim() !== '');
  const all = lines.map((l) => JSON.parse(l) as CodeVector | PublicKeyVector | MacKeyVector);
  return {
    codes: all.filter((v): v is CodeVector => 'kind' in v),
    publicKeys: all.filter((v): v is PublicKeyVector => 'derive' in v && v.derive === 'publicKey'),
    macKeys: all.filter((v): v is MacKeyVector => 'derive' in v && v.derive === 'codeMacKey'),
  };
}

export const hexToBytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
export const bytesToHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const BIGINT_FIELDS = new Set(['packKey.serial', 'migrationCode.target', 'migrationCode.source', 'deactivationReceipt.server']);
const BYTE_FIELDS = new Set(['licenseServerId.keyHash', 'productId.publicKey']);

/** Vector fields (strings for bigints and bytes) as the API's typed fields. */
export function fieldsFromVector<K extends CodeKind>(kind: K, fields: Record<string, string | number>): CodeFields[K] {
  return Object.fromEntries(
    Object.entries(fields).map(([name, value]) => {
      const key = `${kind}.${name}`;
      if (BIGINT_FIELDS.has(key)) return [name, BigInt(value)];
      if (BYTE_FIELDS.has(key)) return [name, hexToBytes(String(value))];
      return [name, value];
    }),
  ) as unknown as CodeFields[K];
}
