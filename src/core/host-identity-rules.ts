/**
 * Rules of session host identities (DESIGN §4, issue 12 item 4), each one named and pure.
 */

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** A session host name: a DNS-like label of up to 253 characters (what RDS shows in "RDS Endpoint Servers"). */
export function isHostName(name: unknown): name is string {
  return typeof name === 'string' && HOST_NAME.test(name);
}

/** Host names compare without case, as Windows computer names do. */
export function sameHostName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * A join token enrols the host it was made for, and only it: a token made for RDSH-01 and presented by RDSH-02
 * is refused (issue 12: "a join token made for one host name enrols any name").
 */
export function joinTokenFits(madeFor: string, presentedBy: string): boolean {
  return sameHostName(madeFor, presentedBy);
}

/**
 * How long a session host's signed request stays acceptable, in seconds, either side of the license server's
 * clock: the same window as the clearinghouse's signed requests (5 minutes).
 */
export const HOST_REQUEST_WINDOW_SECONDS = 300;

/** A signed host request is fresh when its `iat` is within the window of `now`. */
/** How far from the license server's clock an enrolment statement may be dated (it goes with a one-time join token). */
export const ENROLMENT_STATEMENT_MAX_AGE_SECONDS = 30 * 86_400;

export function isHostRequestFresh(iatSeconds: unknown, now: Date, windowSeconds = HOST_REQUEST_WINDOW_SECONDS): boolean {
  return typeof iatSeconds === 'number' && Number.isFinite(iatSeconds) && Math.abs(now.getTime() / 1000 - iatSeconds) <= windowSeconds;
}

/**
 * What a session host does when the license server behind a URL it knows answers with another server ID
 * (a reinstall at the same address, or something else answering there):
 * - `same`: nothing changed;
 * - `first`: nothing was known behind that URL, take it;
 * - `follow`: a new identity, and the clearinghouse vouches that it is a server of this host's organization
 *   (its certificate verifies with the trust anchor and names the organization): follow it;
 * - `hold`: a new identity the host cannot vouch for (no certificate, another organization, no trust anchor, or
 *   this host does not know its own organization yet): keep the old one and say so.
 */
export type IdentityChange = 'same' | 'first' | 'follow' | 'hold';

export function decideIdentityChange(input: {
  knownServerId: string | undefined;
  answeredServerId: string;
  /** the organization named by the answering server's verified certificate, if any */
  certifiedOrg: string | undefined;
  /** this host's organization, from its enrolment */
  hostOrg: string | undefined;
}): IdentityChange {
  if (input.knownServerId === undefined) return 'first';
  if (input.knownServerId === input.answeredServerId) return 'same';
  if (input.certifiedOrg !== undefined && input.hostOrg !== undefined && input.certifiedOrg === input.hostOrg) return 'follow';
  return 'hold';
}
