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
export { createKeySet, decodeJwsUnverified, type JwsRefusalCode, type KeySet, keySetFromJwks, signJws, verifyJws, verifyJwsWithKey } from './jws';
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
} from './host-identity';
