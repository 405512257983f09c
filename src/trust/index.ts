/** Identities, signed documents (JWS) and code MAC keys (DESIGN §4). */
export { codeMacKey, isEd25519PublicKey } from './code-mac-key';
export {
  base64urlDecode,
  base64urlEncode,
  clearinghouseKid,
  generateIdentity,
  type Identity,
  identityFromPrivatePem,
  identityToPem,
  loadOrCreateIdentity,
  publicKeyFromRaw,
  publicKeyToJwk,
  rawFromPublicKey,
  withKid,
} from './identity';
export { keyDirectory, type KeyFiles, keysInMemory, ROOT_KEY_FILE } from './key-directory';
export { acceptAnchor, type AcceptedAnchor, type AnchorDocument, type AnchorKey, anchorKeys, codeKeyOf, endorsedAnchor, rootFingerprint } from './key-set';
export { signCompactJws, verifyCompactJws } from './compact-jws';
export { createKeySet, decodeJwsUnverified, type JwsRefusalCode, type KeySet, keySetFromJwks, type KeyValidity, signJws, verifyJws, verifyJwsWithKey } from './jws';
export { CHAIN_STATE_FILE, type ChainState, type ChainStateStore, chainStateStore, INITIAL_CHAIN_STATE, readChainState, writeChainState } from './chain-state';
export {
  asHostIdentity,
  bodyDigest,
  HOST_SIGNATURE_HEADER,
  hostIdFromPublicKey,
  type HostEnrolmentPayload,
  type HostRequestPayload,
  signHostEnrolment,
  signHostRequest,
  verifyHostEnrolment,
} from './host-identity';
