/**
 * The kinds of code (DESIGN §3), their lengths, names and bit layouts. docs/codes.md describes the
 * same layouts in tables; a test keeps the two in step through the golden vectors.
 *
 * A code's data digits hold a number of `capacityBits` bits: the MAC (if any) in the high bits, then
 * the fields, most significant first. Codes without a MAC that do not fill their capacity (the
 * license server ID) keep the unused low bits at 0. MAC first and reserved bits last make every
 * code look random from its first group (no run of leading `B`s that reads like a placeholder).
 * The code tables (CAL type, version, program, reason) are fixed here, not taken from the
 * vocabulary's list order, so that the meaning of a code already written on paper never changes.
 */
import type { CalType, CalVersion, MigrationReason, Program } from '../vocabulary';

export const CODE_KINDS = [
  'packKey',
  'licenseServerId',
  'productId',
  'activationConfirmation',
  'keyPackId',
  'migrationCode',
  'deactivationReceipt',
] as const;
export type CodeKind = (typeof CODE_KINDS)[number];

/** Fields of each kind of code: the API that makes (encodeCode) and reads (decodeCode) them. */
export interface CodeFields {
  /** 96-bit random serial; a bearer secret (the clearinghouse stores only its hash). */
  packKey: { serial: bigint };
  /** first 16 bytes of sha256(Ed25519 public key). */
  licenseServerId: { keyHash: Uint8Array };
  /** the raw 32-byte Ed25519 public key. */
  productId: { publicKey: Uint8Array };
  /** activation serial at the clearinghouse and the last valid day (days since 2020-01-01 UTC). */
  activationConfirmation: { serial: number; validUntilDay: number };
  keyPackId: {
    packNumber: number;
    calType: CalType;
    calVersion: CalVersion;
    /** 1..1,000,000 */
    count: number;
    program: Program;
    grantSeq: number;
  };
  /** target: 64-bit prefix of the target server ID; source: 40-bit prefix of the source server ID, 0n for none. */
  migrationCode: { target: bigint; source: bigint; reason: MigrationReason; day: number };
  /** server: 64-bit prefix of the deactivated server's ID. */
  deactivationReceipt: { server: bigint; day: number };
}

export const CODE_LENGTHS: Readonly<Record<CodeKind, number>> = {
  packKey: 25,
  licenseServerId: 35,
  productId: 60,
  activationConfirmation: 35,
  keyPackId: 35,
  migrationCode: 45,
  deactivationReceipt: 35,
};

/** Human names, as the user interface and refusal messages say them. */
export const CODE_KIND_LABELS: Readonly<Record<CodeKind, string>> = {
  packKey: 'pack key',
  licenseServerId: 'license server ID',
  productId: 'product ID',
  activationConfirmation: 'activation confirmation',
  keyPackId: 'key pack ID',
  migrationCode: 'migration code',
  deactivationReceipt: 'deactivation receipt',
};

export const CAL_TYPE_CODES: readonly CalType[] = ['device', 'user'];
export const CAL_VERSION_CODES: readonly CalVersion[] = [2012, 2016, 2019, 2022, 2025];
export const PROGRAM_CODES: readonly Program[] = ['retail', 'open', 'select', 'enterprise', 'campus', 'school', 'spla', 'other'];
export const MIGRATION_REASON_CODES: readonly MigrationReason[] = ['replaced', 'not-functioning', 'reinstalled'];

export const KEY_PACK_COUNT_MAX = 1_000_000;

export interface FieldSpec {
  readonly name: string;
  readonly bits: number;
}

export interface KindSpec<K extends CodeKind> {
  readonly length: number;
  /** added to the check sum (see check.ts). */
  readonly salt: number;
  /** largest b with 2^b <= 24^(length-4). */
  readonly capacityBits: number;
  readonly fields: readonly FieldSpec[];
  /** 0 for codes that carry no decision (pack key, license server ID, product ID). */
  readonly macBits: number;
  /** field values as unsigned integers, in `fields` order; throws RangeError on a value out of range. */
  toInts(fields: CodeFields[K]): bigint[];
  /** undefined when a value is outside the layout (a code no one made). */
  fromInts(ints: readonly bigint[]): CodeFields[K] | undefined;
}

function uint(value: unknown, bits: number, name: string, min = 0): bigint {
  const max = 2 ** bits - 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return BigInt(value);
}

function ubig(value: unknown, bits: number, name: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value >= 1n << BigInt(bits)) {
    throw new RangeError(`${name} must be a bigint in 0..2^${bits}-1`);
  }
  return value;
}

function bytes(value: unknown, length: number, name: string): bigint {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes`);
  }
  return bytesToBigint(value);
}

function indexOf<T>(table: readonly T[], value: T, name: string): bigint {
  const i = table.indexOf(value);
  if (i < 0) throw new RangeError(`${name} must be one of ${table.join(', ')}, got ${String(value)}`);
  return BigInt(i);
}

export function bytesToBigint(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

export function bigintToBytes(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = v;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

const n = (v: bigint | undefined): number => Number(v);

function spec<K extends CodeKind>(
  kind: K,
  salt: number,
  capacityBits: number,
  fields: FieldSpec[],
  toInts: KindSpec<K>['toInts'],
  fromInts: KindSpec<K>['fromInts'],
  mac = true,
): KindSpec<K> {
  const fieldBits = fields.reduce((s, f) => s + f.bits, 0);
  return { length: CODE_LENGTHS[kind], salt, capacityBits, fields, macBits: mac ? capacityBits - fieldBits : 0, toInts, fromInts };
}

/** Bit layouts. Salts: see check.ts; chosen so that one typo never turns one kind into another. */
export const KIND_SPECS: { readonly [K in CodeKind]: KindSpec<K> } = {
  packKey: spec(
    'packKey',
    3001,
    96,
    [{ name: 'serial', bits: 96 }],
    (f) => [ubig(f.serial, 96, 'serial')],
    ([serial]) => ({ serial: serial! }),
    false,
  ),
  licenseServerId: spec(
    'licenseServerId',
    11111,
    142,
    [{ name: 'keyHash', bits: 128 }],
    (f) => [bytes(f.keyHash, 16, 'keyHash')],
    ([h]) => ({ keyHash: bigintToBytes(h!, 16) }),
    false,
  ),
  productId: spec(
    'productId',
    5003,
    256,
    [{ name: 'publicKey', bits: 256 }],
    (f) => [bytes(f.publicKey, 32, 'publicKey')],
    ([k]) => ({ publicKey: bigintToBytes(k!, 32) }),
    false,
  ),
  activationConfirmation: spec(
    'activationConfirmation',
    22222,
    142,
    [
      { name: 'serial', bits: 32 },
      { name: 'validUntilDay', bits: 16 },
    ],
    (f) => [uint(f.serial, 32, 'serial'), uint(f.validUntilDay, 16, 'validUntilDay')],
    ([serial, day]) => ({ serial: n(serial), validUntilDay: n(day) }),
  ),
  keyPackId: spec(
    'keyPackId',
    33333,
    142,
    [
      { name: 'packNumber', bits: 32 },
      { name: 'calType', bits: 1 },
      { name: 'calVersion', bits: 3 },
      { name: 'count', bits: 20 },
      { name: 'program', bits: 3 },
      { name: 'grantSeq', bits: 16 },
    ],
    (f) => {
      if (typeof f.count !== 'number' || f.count > KEY_PACK_COUNT_MAX) {
        throw new RangeError(`count must be 1..${KEY_PACK_COUNT_MAX}, got ${String(f.count)}`);
      }
      return [
        uint(f.packNumber, 32, 'packNumber'),
        indexOf(CAL_TYPE_CODES, f.calType, 'calType'),
        indexOf(CAL_VERSION_CODES, f.calVersion, 'calVersion'),
        uint(f.count, 20, 'count', 1),
        indexOf(PROGRAM_CODES, f.program, 'program'),
        uint(f.grantSeq, 16, 'grantSeq'),
      ];
    },
    ([packNumber, calType, calVersion, count, program, grantSeq]) => {
      const t = CAL_TYPE_CODES[n(calType)];
      const v = CAL_VERSION_CODES[n(calVersion)];
      const p = PROGRAM_CODES[n(program)];
      const c = n(count);
      if (t === undefined || v === undefined || p === undefined || c < 1 || c > KEY_PACK_COUNT_MAX) return undefined;
      return { packNumber: n(packNumber), calType: t, calVersion: v, count: c, program: p, grantSeq: n(grantSeq) };
    },
  ),
  migrationCode: spec(
    'migrationCode',
    7001,
    187,
    [
      { name: 'target', bits: 64 },
      { name: 'source', bits: 40 },
      { name: 'reason', bits: 2 },
      { name: 'day', bits: 16 },
    ],
    (f) => [
      ubig(f.target, 64, 'target'),
      ubig(f.source, 40, 'source'),
      indexOf(MIGRATION_REASON_CODES, f.reason, 'reason'),
      uint(f.day, 16, 'day'),
    ],
    ([target, source, reason, day]) => {
      const r = MIGRATION_REASON_CODES[n(reason)];
      if (r === undefined) return undefined;
      return { target: target!, source: source!, reason: r, day: n(day) };
    },
  ),
  deactivationReceipt: spec(
    'deactivationReceipt',
    44444,
    142,
    [
      { name: 'server', bits: 64 },
      { name: 'day', bits: 16 },
    ],
    (f) => [ubig(f.server, 64, 'server'), uint(f.day, 16, 'day')],
    ([server, day]) => ({ server: server!, day: n(day) }),
  ),
};

export function fieldBitsOf(kind: CodeKind): number {
  return KIND_SPECS[kind].fields.reduce((s, f) => s + f.bits, 0);
}

/** Low bits that must be 0 (capacity not used by fields and MAC). */
export function reservedBits(kind: CodeKind): number {
  const spec = KIND_SPECS[kind];
  return spec.capacityBits - spec.macBits - fieldBitsOf(kind);
}

/** "a pack key", "an activation confirmation". */
export function withArticle(label: string): string {
  return (/^[aeiou]/i.test(label) ? 'an ' : 'a ') + label;
}
