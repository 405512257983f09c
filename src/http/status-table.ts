/**
 * The one table that maps a refusal code to an HTTP status (STYLE.md "Errors": domain codes carry no status).
 * Each component owns its marked section: add lines there, never rename a code (codes are the public contract).
 * A code missing from the table is answered 422 (a well-formed request the rules refuse).
 */
export const statusTable: Readonly<Record<string, number>> = {
  // --- foundation: http, auth, config, client ----------------------------------------------------------------
  INVALID_REQUEST: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  UNAUTHENTICATED: 401,
  FORBIDDEN_SCOPE: 403,
  TOO_MANY_AUTH_FAILURES: 429,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  UNREACHABLE: 502,
  BAD_RESPONSE: 502,
  SERVICE_UNAVAILABLE: 503,
  NOT_FOUND: 404,
  CONFLICT: 409,

  // --- codes (src/core/codes): malformed input is a bad request, a wrong MAC is a refused code ---------------
  CODE_WRONG_LENGTH: 400,
  CODE_INVALID_CHARACTER: 400,
  CODE_CHECK_FAILED: 400,
  CODE_WRONG_KIND: 400,
  CODE_MAC_INVALID: 422,

  // --- trust and signed requests (src/trust, clearinghouse verification) --------------------------------------
  SIGNATURE_INVALID: 401,
  SIGNED_REQUEST_INVALID: 400,
  SIGNED_REQUEST_EXPIRED: 401,
  SIGNED_REQUEST_REPLAYED: 409,
  NONCE_REUSED: 409,
  SUBJECT_MISMATCH: 401,
  AUDIENCE_MISMATCH: 401,
  KEY_UNKNOWN: 401,
  JWS_INVALID: 400,
  JWS_TYPE_MISMATCH: 400,
  JWS_MALFORMED: 400,
  JWS_UNKNOWN_KEY: 401,
  JWS_SIGNATURE_INVALID: 401,
  JWS_WRONG_TYPE: 400,

  // --- clearinghouse ------------------------------------------------------------------------------------------
  ORG_NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  PACK_NOT_FOUND: 404,
  PACK_KEY_INVALID: 422,
  PACK_ALREADY_ACTIVATED: 409,
  PACK_NOT_OWNED: 403,
  SERVER_NOT_FOUND: 404,
  SERVER_NOT_ACTIVATED: 409,
  SERVER_ALREADY_ACTIVATED: 409,
  SERVER_DEACTIVATED: 409,
  SERVER_NOT_OWNED: 403,
  CASE_NOT_FOUND: 404,
  CASE_ALREADY_DECIDED: 409,
  RECEIPT_INVALID: 422,
  MIGRATION_CODE_INVALID: 422,
  TRANSFER_BUDGET_EXCEEDED: 422,
  PRODUCT_ID_INVALID: 422,
  AUDIT_CHAIN_BROKEN: 409,

  // --- license server -----------------------------------------------------------------------------------------
  LICENSE_SERVER_NOT_ACTIVATED: 409,
  LICENSE_SERVER_ALREADY_ACTIVATED: 409,
  LICENSE_SERVER_DEACTIVATED: 409,
  ACTIVATION_CONFIRMATION_INVALID: 422,
  KEY_PACK_ID_INVALID: 422,
  KEY_PACK_ALREADY_INSTALLED: 409,
  KEY_PACK_NOT_FOUND: 404,
  CAL_TYPE_MISMATCH: 422,
  VERSION_NOT_HOSTABLE: 422,
  NO_CAL_AVAILABLE: 409,
  HOST_NOT_ALLOWED: 403,
  HOST_NOT_FOUND: 404,
  JOIN_TOKEN_INVALID: 401,
  JOIN_TOKEN_USED: 409,
  CAL_NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  REVOKE_LIMIT_REACHED: 409,
  REBUILD_REFUSED: 409,
  CLEARINGHOUSE_UNREACHABLE: 502,
  LICENSE_SERVER_INVALIDATED: 409,
  LICENSE_SERVER_NOT_UNACTIVATED: 409,
  CLEARINGHOUSE_NOT_CONFIGURED: 409,
  TRUST_ANCHOR_MISSING: 409,
  CERTIFICATE_INVALID: 422,
  GRANT_INVALID: 422,
  REBUILD_WOULD_LOSE_PACKS: 409,

  // --- session host -------------------------------------------------------------------------------------------
  LICENSING_MODE_NOT_CONFIGURED: 409,
  NO_LICENSE_SERVER: 409,
  LICENSE_SERVER_UNREACHABLE: 502,
  GRACE_PERIOD_EXPIRED: 403,
  CAL_INVALID: 403,
  CAL_EXPIRED: 403,
  CAL_REVOKED: 403,
  CONNECTION_REFUSED: 403,
  CONFIG_LAYER_INVALID: 400,
  NOT_ENROLLED: 409,
  INVALID_CONNECTION_REQUEST: 400,
  USER_REQUIRED: 400,
  CAL_TOKEN_MALFORMED: 400,
  CAL_SIGNATURE_INVALID: 403,
  CAL_CERTIFICATE_INVALID: 403,
  CAL_GRANT_INVALID: 403,
  CAL_WRONG_DEVICE: 403,
  CAL_WRONG_HARDWARE_ID: 403,
  CAL_NOT_YET_VALID: 403,
  CAL_VERSION_TOO_OLD: 403,
  CAL_MODE_MISMATCH: 403,
  CAL_SERVER_INVALIDATED: 403,
  CAL_GRANT_REVOKED: 403,
  CAL_ISSUER_UNKNOWN: 403,
  CAL_CERTIFICATE_EXPIRED: 403,
  CAL_GRANT_MISSING: 403,
  TRUST_ANCHOR_UNAVAILABLE: 403,
  NO_LICENSE_SERVER_AVAILABLE: 403,
  GRACE_PERIOD_EXPIRED_MODE_NOT_CONFIGURED: 403,
  PER_USER_NOT_PERMITTED_IN_WORKGROUP: 403,
  LICENSE_SERVER_NAME_INVALID: 400,
  LICENSE_SERVER_URL_INVALID: 400,
  CONFIG_LAYER_FROM_FILE: 409,
  EMIT_FORMAT_INVALID: 400,
  TRUST_ANCHOR_INVALID: 422,
  TRUST_ANCHOR_FINGERPRINT_MISMATCH: 422,

  // --- diagnoser ----------------------------------------------------------------------------------------------

  // --- configuration (src/config; used by the CLI, listed so an API that surfaces them answers sensibly) -------
  CONFIG_INVALID_VALUE: 400,
  CONFIG_UNKNOWN_KEY: 400,
  CONFIG_FILE_UNREADABLE: 400,
  CONFIG_FILE_INVALID: 400,
};

/** Status for a refusal code; codes ending in _NOT_FOUND are 404 even before someone lists them. */
export function statusForCode(code: string): number {
  const listed = statusTable[code];
  if (listed !== undefined) return listed;
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code.endsWith('_UNREACHABLE')) return 502;
  return 422;
}
