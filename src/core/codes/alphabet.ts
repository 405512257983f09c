/**
 * The alphabet and display form of every code people type (DESIGN §3): 24 characters, no vowels
 * (no accidental words) and no look-alikes (0/O, 1/I/L, 5/S, U/V are absent), shown in groups of 5.
 */
export const CODE_ALPHABET = 'BCDFGHJKMPQRTVWXY2346789';
export const CODE_BASE = 24n;
export const CODE_GROUP_SIZE = 5;

const DIGIT_OF: ReadonlyMap<string, number> = new Map([...CODE_ALPHABET].map((c, i) => [c, i]));

/** Hyphen look-alikes that copy and paste brings in (hyphen, non-breaking hyphen, dashes, minus sign). */
const SEPARATORS = /[\s\-\u2010\u2011\u2012\u2013\u2014\u2212]/gu;

/**
 * Canonical form of typed input: separators and whitespace removed, ASCII letters upper-cased.
 * Only ASCII is upper-cased so that a non-ASCII character keeps its place and is reported as itself.
 */
export function normalizeCode(input: string): string {
  if (typeof input !== 'string') return '';
  return input.replace(SEPARATORS, '').replace(/[a-z]/g, (c) => c.toUpperCase());
}

/** Groups of 5 joined by `-` (the input is normalized first). */
export function formatCode(input: string): string {
  const chars = [...normalizeCode(input)];
  const groups: string[] = [];
  for (let i = 0; i < chars.length; i += CODE_GROUP_SIZE) groups.push(chars.slice(i, i + CODE_GROUP_SIZE).join(''));
  return groups.join('-');
}

/** A character of typed input that codes never use, with the 1-based group and position it is at. */
export interface CharacterNotInAlphabet {
  character: string;
  group: number;
  position: number;
}

/**
 * The first character of a code (typed input, normalized here) that is not in the alphabet, or undefined.
 * The one alphabet check: the decoder refuses such a code and the console flags the group as it is typed.
 */
export function firstCharacterNotInAlphabet(input: string): CharacterNotInAlphabet | undefined {
  const chars = [...normalizeCode(input)];
  for (let i = 0; i < chars.length; i++) {
    if (!DIGIT_OF.has(chars[i]!)) return { character: chars[i]!, group: Math.floor(i / CODE_GROUP_SIZE) + 1, position: i + 1 };
  }
  return undefined;
}

/** The value (0..23) of an alphabet character, or undefined. */
export function digitValue(ch: string): number | undefined {
  return DIGIT_OF.get(ch);
}

/** `value` as exactly `width` base-24 digits, most significant first. */
export function toDigits(value: bigint, width: number): number[] {
  if (value < 0n) throw new RangeError('a code value cannot be negative');
  const out = new Array<number>(width);
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v % CODE_BASE);
    v /= CODE_BASE;
  }
  if (v !== 0n) throw new RangeError(`value does not fit in ${width} code digits`);
  return out;
}

export function fromDigits(digits: readonly number[]): bigint {
  let v = 0n;
  for (const d of digits) v = v * CODE_BASE + BigInt(d);
  return v;
}

export function digitsToString(digits: readonly number[]): string {
  return digits.map((d) => CODE_ALPHABET[d]).join('');
}
