/**
 * Making and reading codes. Reading is an ordered list of checks, all before any lookup
 * (DESIGN §3): length, alphabet, check, kind; the MAC is a separate step (verifyCodeMac) because
 * its key depends on which license server the code is for.
 */
import { type Refusal, type Result, err, ok, refusal, refuse } from '../result';
import { digitValue, digitsToString, firstCharacterNotInAlphabet, formatCode, fromDigits, normalizeCode, toDigits } from './alphabet';
import { CHECK_DIGITS, CHECK_MODULUS, checkValue } from './check';
import { CODE_KIND_LABELS, CODE_KINDS, CODE_LENGTHS, type CodeFields, type CodeKind, fieldBitsOf, KIND_SPECS, type KindSpec, reservedBits } from './kinds';
import { computeMac, macEquals } from './mac';

/** A code that passed length, alphabet, check and kind. `mac` is present for kinds that carry one (not yet verified). */
export type DecodedCode<K extends CodeKind = CodeKind> = {
  [P in K]: { kind: P; fields: CodeFields[P]; normalized: string; formatted: string; mac?: bigint };
}[K];

export type CodeRefusalCode = 'CODE_WRONG_LENGTH' | 'CODE_INVALID_CHARACTER' | 'CODE_CHECK_FAILED' | 'CODE_WRONG_KIND' | 'CODE_MAC_INVALID';

/**
 * What a code's MAC covers besides its fields, given by the one who makes or checks it. A deactivation receipt
 * binds the serial of the activation it ends (issue: a receipt from before a same-day reactivation was accepted
 * again); other kinds bind nothing.
 */
export interface CodeBinding {
  /** deactivation receipt: the clearinghouse's serial of the activation the deactivation ends. */
  activationSerial?: number;
}

/** The bytes a code's MAC binds (docs/codes.md, MAC): the activation serial, 4 bytes big-endian, for a receipt. */
export function boundData(kind: CodeKind, binding: CodeBinding | undefined): Uint8Array {
  if (kind !== 'deactivationReceipt') return new Uint8Array(0);
  const serial = binding?.activationSerial;
  if (serial === undefined || !Number.isInteger(serial) || serial < 0 || serial > 0xffffffff) {
    throw new Error('a deactivation receipt binds the activation serial it ends (0..2^32-1)');
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, serial);
  return out;
}

/** Whether codes of this kind carry a MAC (activation confirmation, key pack ID, migration code, deactivation receipt). */
export function codeHasMac(kind: CodeKind): boolean {
  return KIND_SPECS[kind].macBits > 0;
}

function packInts(spec: KindSpec<CodeKind>, ints: readonly bigint[]): bigint {
  let v = 0n;
  spec.fields.forEach((f, i) => {
    v = (v << BigInt(f.bits)) | ints[i]!;
  });
  return v;
}

function unpackInts(spec: KindSpec<CodeKind>, packed: bigint): bigint[] {
  const out = new Array<bigint>(spec.fields.length);
  let v = packed;
  for (let i = spec.fields.length - 1; i >= 0; i--) {
    const bits = BigInt(spec.fields[i]!.bits);
    out[i] = v & ((1n << bits) - 1n);
    v >>= bits;
  }
  return out;
}

function specOf(kind: CodeKind): KindSpec<CodeKind> {
  const spec = KIND_SPECS[kind] as KindSpec<CodeKind> | undefined;
  if (spec === undefined) throw new Error(`unknown code kind: ${String(kind)}`);
  return spec;
}

/**
 * Makes the formatted code (groups of 5). `macKey` is required for kinds that carry a MAC.
 * Throws only on a programmer error: a field out of range or a missing MAC key.
 */
export function encodeCode<K extends CodeKind>(kind: K, fields: CodeFields[K], macKey?: Uint8Array, binding?: CodeBinding): string {
  const spec = specOf(kind);
  const fieldBits = fieldBitsOf(kind);
  const packed = packInts(spec, spec.toInts(fields));
  let mac = 0n;
  if (spec.macBits > 0) {
    if (macKey === undefined) throw new Error(`a ${CODE_KIND_LABELS[kind]} needs a MAC key`);
    mac = computeMac(kind, packed, fieldBits, macKey, boundData(kind, binding));
  }
  const value = (mac << BigInt(spec.capacityBits - spec.macBits)) | (packed << BigInt(reservedBits(kind)));
  const data = toDigits(value, spec.length - CHECK_DIGITS);
  const check = toDigits(BigInt(checkValue(data, spec.salt)), CHECK_DIGITS);
  return formatCode(digitsToString([...data, ...check]));
}

/** Reads `digits` as a code of `kind`: check, reserved bits and field ranges; undefined when it is not one. */
function readAs(kind: CodeKind, digits: readonly number[], normalized: string): DecodedCode | undefined {
  const spec = specOf(kind);
  if (digits.length !== spec.length) return undefined;
  const data = digits.slice(0, spec.length - CHECK_DIGITS);
  const check = fromDigits(digits.slice(spec.length - CHECK_DIGITS));
  if (check >= BigInt(CHECK_MODULUS) || Number(check) !== checkValue(data, spec.salt)) return undefined;
  const value = fromDigits(data);
  const reserved = BigInt(reservedBits(kind));
  const fieldBits = BigInt(fieldBitsOf(kind));
  if (value >> BigInt(spec.capacityBits) !== 0n || (value & ((1n << reserved) - 1n)) !== 0n) return undefined;
  const packed = (value >> reserved) & ((1n << fieldBits) - 1n);
  const fields = spec.fromInts(unpackInts(spec, packed));
  if (fields === undefined) return undefined;
  const decoded = { kind, fields, normalized, formatted: formatCode(normalized) } as DecodedCode;
  if (spec.macBits > 0) decoded.mac = value >> (fieldBits + reserved);
  return decoded;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function wrongLength(expected: readonly CodeKind[], actual: number, all: boolean): Refusal {
  const lengths = unique(expected.map((k) => CODE_LENGTHS[k])).sort((a, b) => a - b);
  const others = CODE_KINDS.filter((k) => CODE_LENGTHS[k] === actual && !expected.includes(k));
  return refusal('CODE_WRONG_LENGTH', { expected: lengths, actual, kinds: [...expected], ...(all ? { any: true } : {}), ...(others.length > 0 ? { others } : {}) });
}

function decodeAmong(input: string, expected: readonly CodeKind[], all: boolean): Result<DecodedCode> {
  const normalized = normalizeCode(input);
  const chars = [...normalized];
  const lengths = expected.map((k) => CODE_LENGTHS[k]);
  if (!lengths.includes(chars.length)) {
    return err(wrongLength(expected, chars.length, all));
  }
  const bad = firstCharacterNotInAlphabet(normalized);
  if (bad) {
    const { group, character: ch, position } = bad;
    return refuse('CODE_INVALID_CHARACTER', { group, character: ch, position });
  }
  const digits = chars.map((ch) => digitValue(ch)!);
  const candidates = expected.filter((k) => CODE_LENGTHS[k] === chars.length);
  for (const kind of candidates) {
    const decoded = readAs(kind, digits, normalized);
    if (decoded !== undefined) return ok(decoded);
  }
  for (const kind of CODE_KINDS) {
    if (CODE_LENGTHS[kind] !== chars.length || candidates.includes(kind)) continue;
    if (readAs(kind, digits, normalized) !== undefined) {
      return refuse(
        'CODE_WRONG_KIND',
        { expected: candidates, actual: kind },
      );
    }
  }
  return refuse(
    'CODE_CHECK_FAILED',
    { kinds: candidates, ...(all ? { any: true } : {}) },
  );
}

/**
 * Reads a typed code expected to be of `expected` kind(s): length, alphabet, check and kind, in that
 * order, with no lookup and no MAC. Refusals: CODE_WRONG_LENGTH, CODE_INVALID_CHARACTER
 * (detail.group, 1-based), CODE_CHECK_FAILED, CODE_WRONG_KIND. Never throws on any input.
 */
export function decodeCode<K extends CodeKind>(input: string, expected: K | readonly K[]): Result<DecodedCode<K>> {
  const kinds = (Array.isArray(expected) ? expected : [expected]) as readonly K[];
  if (kinds.length === 0 || kinds.some((k) => !(CODE_KINDS as readonly string[]).includes(k))) {
    throw new Error(`decodeCode needs known code kinds, got ${String(expected)}`);
  }
  return decodeAmong(input, kinds, false) as Result<DecodedCode<K>>;
}

/** Reads a code of any kind (for `opencal code check`). */
export function identifyCode(input: string): Result<DecodedCode> {
  return decodeAmong(input, CODE_KINDS, true);
}

/**
 * Checks the MAC of a decoded code with the MAC key shared by the license server it is for and the
 * clearinghouse (trust/codeMacKey), and what the code binds (a receipt: the activation serial it ends).
 * Refusal: CODE_MAC_INVALID. Throws for a kind without MAC.
 */
export function verifyCodeMac(decoded: DecodedCode, macKey: Uint8Array, binding?: CodeBinding): Result<void> {
  const spec = specOf(decoded.kind);
  if (spec.macBits === 0 || decoded.mac === undefined) {
    throw new Error(`a ${CODE_KIND_LABELS[decoded.kind]} carries no MAC`);
  }
  const fieldBits = fieldBitsOf(decoded.kind);
  const packed = packInts(spec, spec.toInts(decoded.fields as never));
  const expected = computeMac(decoded.kind, packed, fieldBits, macKey, boundData(decoded.kind, binding));
  if (macEquals(expected, decoded.mac, spec.macBits)) return ok(undefined);
  return refuse('CODE_MAC_INVALID', { kind: decoded.kind });
}
