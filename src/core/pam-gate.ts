/**
 * The PAM gate (`opencal gate pam`, docs/pam.md): what a Linux login asks the session host, and what the person
 * logging in is told. Pure: the environment, the session host's answer, the time and the last grace state are
 * inputs; the shell (src/cli/gate-pam.ts) does the I/O.
 *
 * A login (sshd, xrdp-sesman, anything using PAM) runs `pam_exec.so` in the `account` phase, after the service
 * authenticated the user: as in RDS, where the CAL follows a successful logon, this is where a seat is taken.
 * The session phase releases nothing: RDS returns no CAL at sign-out (a permanent per-device CAL stays with the
 * device, a per-user CAL is tracked for its 60 days), so open_session and close_session are admitted untouched.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { err, messageFor, ok, refusal, type Refusal, type Result } from './result';

export type PamLanguage = 'en' | 'fr';

/**
 * Every text the person logging in may read, in English and French: a few plain sentences that name the code and
 * no file or command. The administrator's line (the log) has the refusal's full message from the catalogue
 * (src/core/refusals.ts), in its CLI words.
 */
export const PAM_TEXTS = {
  en: {
    noLicence: 'Access refused: no Remote Desktop licence (CAL) is available for this connection ({code}). Contact your administrator.',
    tooManyNew: 'Access refused: too many new connections reached this server just now ({code}). Try again in a minute.',
    gateMisconfigured: 'Access refused: the licence check of this server is not set up correctly ({code}). Contact your administrator.',
    unreachable: 'Access refused: the licensing service cannot be reached and the grace period of this server is over ({code}). Contact your administrator.',
    refused: 'Access refused by the licensing service ({code}). Contact your administrator.',
  },
  fr: {
    noLicence: "Accès refusé : aucune licence d'accès client (CAL) des services Bureau à distance n'est disponible pour cette connexion ({code}). Contactez votre administrateur.",
    tooManyNew: 'Accès refusé : trop de nouvelles connexions sont arrivées sur ce serveur à l’instant ({code}). Réessayez dans une minute.',
    gateMisconfigured: "Accès refusé : la vérification des licences de ce serveur n'est pas correctement configurée ({code}). Contactez votre administrateur.",
    unreachable: "Accès refusé : le service de licences est injoignable et la période de grâce de ce serveur est terminée ({code}). Contactez votre administrateur.",
    refused: 'Accès refusé par le service de licences ({code}). Contactez votre administrateur.',
  },
} as const satisfies Record<PamLanguage, Record<string, string>>;

export type PamTextKey = keyof (typeof PAM_TEXTS)['en'];

/** The refusal codes a person logging in reads as "no licence". */
const NO_LICENCE_CODES = new Set([
  'NO_CAL_AVAILABLE',
  'NO_LICENSE_SERVER_AVAILABLE',
  'GRACE_PERIOD_EXPIRED',
  'GRACE_PERIOD_EXPIRED_MODE_NOT_CONFIGURED',
  'PER_USER_NOT_PERMITTED_IN_WORKGROUP',
  'LICENSE_SERVER_NOT_ACTIVATED',
  'LICENSE_SERVER_DEACTIVATED',
  'LICENSE_SERVER_INVALIDATED',
  'VERSION_NOT_HOSTABLE',
]);
const GATE_CODES = new Set(['GATE_CREDENTIAL_REQUIRED', 'GATE_CREDENTIAL_INVALID', 'FORBIDDEN_SCOPE', 'UNAUTHENTICATED', 'TOO_MANY_AUTH_FAILURES', 'PAM_GATE_MISCONFIGURED', 'INVALID_CONNECTION_REQUEST', 'DEVICE_IDENTITY_UNAVAILABLE']);

export function pamText(lang: PamLanguage, key: PamTextKey, code: string): string {
  return PAM_TEXTS[lang][key].replace('{code}', code);
}

/** What the person logging in reads for a refusal code. */
export function userMessage(lang: PamLanguage, code: string): string {
  if (NO_LICENCE_CODES.has(code)) return pamText(lang, 'noLicence', code);
  if (code === 'TOO_MANY_NEW_DEVICES') return pamText(lang, 'tooManyNew', code);
  if (GATE_CODES.has(code)) return pamText(lang, 'gateMisconfigured', code);
  if (code === 'SESSION_HOST_UNREACHABLE') return pamText(lang, 'unreachable', code);
  return pamText(lang, 'refused', code);
}

/**
 * The language of the person logging in: the configured one, else the locale variables PAM passes on (LANGUAGE,
 * LC_ALL, LC_MESSAGES, LANG, in POSIX order of precedence); French for `fr*`, English otherwise.
 */
export function pamLanguage(env: Readonly<Record<string, string | undefined>>, configured?: string): PamLanguage {
  if (configured === 'fr' || configured === 'en') return configured;
  for (const name of ['LANGUAGE', 'LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const value = env[name];
    if (value) return /^fr([_.:@-]|$)/i.test(value) ? 'fr' : 'en';
  }
  return 'en';
}

export type PamType = 'account' | 'open_session' | 'close_session' | 'auth' | 'password';

/** What pam_exec tells the command about the login (its PAM_* environment variables). */
export interface PamLogin {
  type: PamType;
  user: string;
  service: string;
  rhost?: string;
}

// eslint-disable-next-line no-control-regex -- names are printable: no control characters
const PRINTABLE = /^[^\u0000-\u001f\u007f]{1,128}$/;

export function readPamLogin(env: Readonly<Record<string, string | undefined>>): Result<PamLogin> {
  const type = env['PAM_TYPE'];
  if (!type || !['account', 'open_session', 'close_session', 'auth', 'password'].includes(type)) {
    return err(refusal('PAM_GATE_MISCONFIGURED', type === undefined ? { problem: 'pam-type' } : { problem: 'pam-type', type }));
  }
  const user = env['PAM_USER'];
  const service = env['PAM_SERVICE'] ?? '';
  if (!user || !PRINTABLE.test(user)) return err(refusal('PAM_GATE_MISCONFIGURED', { problem: 'pam-user' }));
  const login: PamLogin = { type: type as PamType, user, service: PRINTABLE.test(service) ? service : 'unknown' };
  const rhost = env['PAM_RHOST'];
  if (rhost && PRINTABLE.test(rhost)) login.rhost = rhost;
  return ok(login);
}

/**
 * How a login names the device it comes from:
 * - `rhost` (default): the remote host PAM_RHOST — what sshd gives (the client's address, or its name with
 *   UseDNS yes), and what xrdp-sesman gives from xrdp 0.10 on. A login without one is refused, never counted
 *   as some other device.
 * - `user`: when the service gives no remote host (xrdp 0.9's sesman), one device per user and service
 *   (`xrdp-sesman:alice`): a stable identity at the price of counting a person at two desks once.
 */
export type DeviceIdentitySource = 'rhost' | 'user';

export interface DeviceIdentity {
  /** the device name the session host records and the CAL names */
  device: string;
  /** a hardware ID derived from the identity (the device keeps no license store: the service is its front end) */
  hwid: string;
}

export function deviceIdentity(login: PamLogin, source: DeviceIdentitySource): Result<DeviceIdentity> {
  let device: string;
  if (login.rhost !== undefined) device = login.rhost;
  else if (source === 'user') device = `${login.service}:${login.user}`.slice(0, 128);
  else {
    return err(refusal('DEVICE_IDENTITY_UNAVAILABLE', { service: login.service }));
  }
  const digest = sha256(new TextEncoder().encode(`opencal-pam-device:${device.toLowerCase()}`));
  const hwid = `PAM-${Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase()}`;
  return ok({ device, hwid });
}

/** The session host's answer to one login, as the shell saw it. */
export type GateAnswer =
  | { kind: 'admitted'; basis: string; graceDaysLeft: number; sessionHost: string }
  | { kind: 'refused'; refusal: Refusal; sessionHost: string }
  | { kind: 'unreachable'; reasons: string[] };

export interface PamDecision {
  /** pam_exec: 0 admits, anything else refuses */
  exitCode: 0 | 1 | 2 | 3;
  /** for the person logging in (pam_exec's `stdout` option shows it) */
  stdout?: string;
  /** for the administrator (pam_exec's `log=` file, or sshd's log) */
  log: string;
  /** the end of the session host's grace period, by this host's clock, to keep for an outage */
  graceUntil?: string;
}

const DAY_MS = 86_400_000;

/**
 * Admit or refuse one login from the session host's answer. When no session host answers, the session host's own
 * rule applies from what it last said: within its grace period a login is admitted (as the session host would),
 * after it the login is refused — never a silent admit. Report-only admits everything and logs what would have
 * happened.
 */
export function decidePamLogin(input: {
  login: PamLogin;
  answer: GateAnswer;
  now: Date;
  lang: PamLanguage;
  reportOnly: boolean;
  /** what the session host last said of its grace period (ISO, this host's clock) */
  graceUntil?: string;
}): PamDecision {
  const { login, answer, now, lang, reportOnly } = input;
  const who = `user ${login.user} from ${login.rhost ?? 'no remote host'} (${login.service})`;
  if (answer.kind === 'admitted') {
    return {
      exitCode: 0,
      log: `admitted ${who}: ${answer.basis} (session host ${answer.sessionHost}, ${answer.graceDaysLeft} grace days left)`,
      graceUntil: new Date(now.getTime() + answer.graceDaysLeft * DAY_MS).toISOString(),
    };
  }
  let code: string;
  let reason: string;
  if (answer.kind === 'refused') {
    code = answer.refusal.code;
    reason = `${messageFor(answer.refusal, 'en', 'cli')} (session host ${answer.sessionHost})`;
  } else {
    const graceUntil = input.graceUntil ? new Date(input.graceUntil) : undefined;
    if (graceUntil && !Number.isNaN(graceUntil.getTime()) && now < graceUntil) {
      const days = Math.ceil((graceUntil.getTime() - now.getTime()) / DAY_MS);
      return { exitCode: 0, log: `admitted ${who} in the grace period (${days} days left): no session host answered (${answer.reasons.join('; ')})` };
    }
    const unreachable = refusal('SESSION_HOST_UNREACHABLE', { reasons: answer.reasons, ...(graceUntil && input.graceUntil ? { graceEndedOn: input.graceUntil } : {}) });
    code = unreachable.code;
    reason = messageFor(unreachable, 'en', 'cli');
  }
  if (reportOnly) return { exitCode: 0, log: `report only: admitted ${who}, which would have been refused: ${code}: ${reason}` };
  return { exitCode: code === 'SESSION_HOST_UNREACHABLE' ? 3 : 1, stdout: userMessage(lang, code), log: `refused ${who}: ${code}: ${reason}` };
}

/** A failure of the gate's own setup (configuration, credential file): refused, unless report-only. */
export function decideMisconfigured(problem: Refusal, lang: PamLanguage, reportOnly: boolean): PamDecision {
  const message = messageFor(problem, 'en', 'cli');
  if (reportOnly) return { exitCode: 0, log: `report only: admitted, but the PAM gate cannot work: ${problem.code}: ${message}` };
  return { exitCode: 2, stdout: userMessage(lang, problem.code), log: `refused: ${problem.code}: ${message}` };
}
