/** The device client library: its license store (MSLicensing equivalent) and connecting to a session host. */
export { connect, forgetTokens, listTokens, type ConnectOptions, type ConnectOutcome, type HeldToken } from './client';
export { addCal, openStore, readClaims, readStore, saveStore, type LicenseStore, type StoredCal } from './license-store';
