/** Every code people type (DESIGN §3); layouts, check, MAC and golden vectors in docs/codes.md. */
export { CODE_ALPHABET, firstCharacterNotInAlphabet, formatCode, normalizeCode, type CharacterNotInAlphabet } from './alphabet';
export { CHECK_MODULUS } from './check';
export { codeHasMac, type CodeBinding, type CodeRefusalCode, type DecodedCode, decodeCode, encodeCode, identifyCode, verifyCodeMac } from './codec';
export { dateFromDayNumber, dayNumber } from './day-number';
export { licenseServerIdFromPublicKey, productIdFromPublicKey, publicKeyFromProductId, serverIdPrefix } from './identity-codes';
export { CODE_KIND_LABELS, CODE_KINDS, CODE_LENGTHS, type CodeFields, type CodeKind, KEY_PACK_COUNT_MAX } from './kinds';
export {
  codeAgeDays,
  DEFAULT_MIGRATION_CODE_DAYS,
  DEFAULT_PROVISIONAL_WINDOW_DAYS,
  isCodeExpired,
  provisionalDeadline,
  provisionalState,
  type ProvisionalState,
} from './life';
