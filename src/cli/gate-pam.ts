/**
 * `opencal gate pam`: the shell of the PAM gate (rules in src/core/pam-gate.ts, docs/pam.md). One login is one
 * process start, so this module loads only node:fs and the pure core: no HTTP server, no database driver.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  decideMisconfigured,
  decidePamLogin,
  deviceIdentity,
  pamLanguage,
  readPamLogin,
  type DeviceIdentitySource,
  type GateAnswer,
  type PamDecision,
} from '../core/pam-gate';
import { err, ok, peerRefusal, refusal, type Refusal, type Result } from '../core/result';
import type { DetailOf } from '../core/refusals';

export const DEFAULT_PAM_CONFIG = '/etc/opencal/pam.json';
export const DEFAULT_PAM_STATE = '/var/lib/opencal/pam-gate-state.json';
export const DEFAULT_PAM_LOG = '/var/log/opencal/pam-gate.log';

/** The PAM gate's configuration file (docs/pam.md "The configuration file"). */
export interface PamGateConfig {
  /** session host origins, tried in order (failover) */
  sessionHosts: string[];
  /** a file holding the gate front-end credential, mode 0600 */
  credentialFile: string;
  reportOnly: boolean;
  /** where the last grace period the session host reported is kept, for an outage */
  stateFile: string;
  /**
   * the administrator's line for each login. Not stderr: with pam_exec's `stdout` option, stderr too reaches the
   * person logging in (and `log=` is then ignored).
   */
  logFile: string;
  /** per session host, default 5000 */
  timeoutMs: number;
  /** "en", "fr" or "auto" (the locale) */
  language: string;
  deviceIdentity: DeviceIdentitySource;
}

/** A problem of the gate's own setup (its words: the catalogue's PAM_GATE_MISCONFIGURED). */
const misconfigured = (detail: DetailOf<'PAM_GATE_MISCONFIGURED'>): Refusal => refusal('PAM_GATE_MISCONFIGURED', detail);

export function parsePamConfig(text: string, file: string): Result<PamGateConfig> {
  let raw: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    raw = parsed as Record<string, unknown>;
  } catch (e) {
    return err(misconfigured({ problem: 'config-not-object', file, reason: (e as Error).message }));
  }
  const hosts = typeof raw['sessionHost'] === 'string' ? [raw['sessionHost']] : raw['sessionHosts'];
  if (!Array.isArray(hosts) || hosts.length === 0 || !hosts.every((h) => typeof h === 'string' && /^https?:\/\/[^\s]+$/.test(h))) {
    return err(misconfigured({ problem: 'session-hosts', file }));
  }
  if (typeof raw['credentialFile'] !== 'string' || raw['credentialFile'] === '') {
    return err(misconfigured({ problem: 'credential-file-setting', file }));
  }
  const identity = raw['deviceIdentity'] ?? 'rhost';
  if (identity !== 'rhost' && identity !== 'user') return err(misconfigured({ problem: 'device-identity', file }));
  const timeout = raw['timeoutMs'] ?? 5000;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 100 || timeout > 60_000) {
    return err(misconfigured({ problem: 'timeout', file }));
  }
  if (raw['reportOnly'] !== undefined && typeof raw['reportOnly'] !== 'boolean') return err(misconfigured({ problem: 'report-only', file }));
  return ok({
    sessionHosts: hosts as string[],
    credentialFile: raw['credentialFile'],
    reportOnly: raw['reportOnly'] === true,
    stateFile: typeof raw['stateFile'] === 'string' ? raw['stateFile'] : DEFAULT_PAM_STATE,
    logFile: typeof raw['logFile'] === 'string' ? raw['logFile'] : DEFAULT_PAM_LOG,
    timeoutMs: timeout,
    language: typeof raw['language'] === 'string' ? raw['language'] : 'auto',
    deviceIdentity: identity,
  });
}

/** The credential, from a regular file that only its owner may read: a looser mode is refused, not used. */
export function readCredentialFile(file: string): Result<string> {
  let mode: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return err(misconfigured({ problem: 'credential-not-file', file }));
    mode = st.mode & 0o777;
  } catch (e) {
    return err(misconfigured({ problem: 'credential-unreadable', file, reason: (e as Error).message }));
  }
  if ((mode & 0o077) !== 0) {
    return err(misconfigured({ problem: 'credential-mode', file, mode: mode.toString(8) }));
  }
  const token = readFileSync(file, 'utf8').trim();
  if (!/^\S{16,}$/.test(token)) return err(misconfigured({ problem: 'credential-empty', file }));
  return ok(token);
}

function readGraceUntil(stateFile: string): string | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { graceUntil?: unknown };
    return typeof state.graceUntil === 'string' ? state.graceUntil : undefined;
  } catch {
    return undefined;
  }
}

function writeGraceUntil(stateFile: string, graceUntil: string, now: Date): string | undefined {
  try {
    mkdirSync(dirname(stateFile), { recursive: true, mode: 0o700 });
    const tmp = `${stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ graceUntil, seenAt: now.toISOString() })}\n`, { mode: 0o600 });
    renameSync(tmp, stateFile);
    return undefined;
  } catch (e) {
    return `cannot keep the grace state in ${stateFile}: ${(e as Error).message}`;
  }
}

/**
 * One JSON POST with node:http (or node:https, loaded only for an https URL): fetch would load undici, about
 * 100 ms of every login's start-up (bench/pam.ts).
 */
async function postJson(url: string, headers: Record<string, string>, body: unknown, timeoutMs: number): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const { request } = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), accept: 'application/json' }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'TIMEOUT' })));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Asks the session hosts in order; the first that answers decides (a refusal is an answer, not an outage). */
async function askSessionHosts(
  config: PamGateConfig,
  credential: string,
  body: Record<string, unknown>,
): Promise<GateAnswer> {
  const reasons: string[] = [];
  for (const origin of config.sessionHosts) {
    const url = `${origin.replace(/\/+$/, '')}/sh/v1/connect`;
    let response: { status: number; body: string };
    try {
      response = await postJson(url, { authorization: `Bearer ${credential}`, ...(config.reportOnly ? { 'x-opencal-report-only': '1' } : {}) }, body, config.timeoutMs);
    } catch (e) {
      const error = e as Error & { code?: string };
      reasons.push(`${origin}: ${error.code ?? error.message}`);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      parsed = undefined;
    }
    const success = response.status >= 200 && response.status < 300;
    if (success && typeof parsed === 'object' && parsed !== null && (parsed as { admitted?: unknown }).admitted === true) {
      const a = parsed as { basis?: unknown; graceDaysLeft?: unknown };
      return { kind: 'admitted', basis: String(a.basis), graceDaysLeft: typeof a.graceDaysLeft === 'number' ? a.graceDaysLeft : 0, sessionHost: origin };
    }
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (response.status >= 500 || typeof error?.code !== 'string') {
      // A session host that fails is an outage of OpenCAL: the next one on the list is asked.
      reasons.push(`${origin}: HTTP ${response.status}${typeof error?.code === 'string' ? ` ${error.code}` : ''}`);
      continue;
    }
        const detail = (parsed as { error?: { detail?: unknown } }).error?.detail;
    return {
      kind: 'refused',
      refusal: peerRefusal(error.code, typeof error.message === 'string' ? error.message : error.code, typeof detail === 'object' && detail !== null ? (detail as Record<string, unknown>) : undefined),
      sessionHost: origin,
    };
  }
  return { kind: 'unreachable', reasons };
}

/** Appends the administrator's line; false when it cannot (the caller then shows it on stderr). */
export function appendPamLog(logFile: string, line: string, now: Date): boolean {
  try {
    mkdirSync(dirname(logFile), { recursive: true, mode: 0o750 });
    appendFileSync(logFile, `${now.toISOString()} ${line}\n`, { mode: 0o640 });
    return true;
  } catch {
    return false;
  }
}

export interface PamRunOptions {
  configFile: string;
  /** --report-only: admit whatever the configuration says */
  reportOnly: boolean;
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
}

/**
 * One login: the decision, with its text for the person logging in and its line for the administrator, which is
 * appended to the configured log file (`logged: false` when there is none or it cannot be written).
 */
export async function runPamGate(options: PamRunOptions): Promise<PamDecision & { logged: boolean }> {
  const decision = await decide(options);
  const logFile = decision.logFile;
  const logged = logFile !== undefined && appendPamLog(logFile, `opencal gate pam: ${decision.log}`, options.now());
  const { logFile: _logFile, ...rest } = decision;
  return { ...rest, logged };
}

async function decide(options: PamRunOptions): Promise<PamDecision & { logFile?: string }> {
  const { env } = options;
  let configText: string;
  try {
    configText = readFileSync(options.configFile, 'utf8');
  } catch (e) {
    return decideMisconfigured(misconfigured({ problem: 'config-unreadable', file: options.configFile, reason: (e as Error).message }), pamLanguage(env), options.reportOnly);
  }
  const parsed = parsePamConfig(configText, options.configFile);
  if (!parsed.ok) return decideMisconfigured(parsed.error, pamLanguage(env), options.reportOnly);
  const config = { ...parsed.value, reportOnly: parsed.value.reportOnly || options.reportOnly };
  return { ...(await decideWith(config, options)), logFile: config.logFile };
}

async function decideWith(config: PamGateConfig, options: PamRunOptions): Promise<PamDecision> {
  const { env } = options;
  const lang = pamLanguage(env, config.language);

  const login = readPamLogin(env);
  if (!login.ok) return decideMisconfigured(login.error, lang, config.reportOnly);
  if (login.value.type === 'open_session' || login.value.type === 'close_session') {
    return { exitCode: 0, log: `${login.value.type} of ${login.value.user}: nothing to take or release (CALs are not returned at sign-out)` };
  }
  if (login.value.type !== 'account') {
    return decideMisconfigured(misconfigured({ problem: 'phase', type: login.value.type }), lang, config.reportOnly);
  }
  const identity = deviceIdentity(login.value, config.deviceIdentity);
  if (!identity.ok) return decideMisconfigured(identity.error, lang, config.reportOnly);
  const credential = readCredentialFile(config.credentialFile);
  if (!credential.ok) return decideMisconfigured(credential.error, lang, config.reportOnly);

  const answer = await askSessionHosts(config, credential.value, { device: identity.value.device, hwid: identity.value.hwid, user: login.value.user });
  const now = options.now();
  const graceUntil = readGraceUntil(config.stateFile);
  const decision = decidePamLogin({
    login: login.value,
    answer,
    now,
    lang,
    reportOnly: config.reportOnly,
    ...(graceUntil === undefined ? {} : { graceUntil }),
  });
  if (decision.graceUntil !== undefined) {
    const problem = writeGraceUntil(config.stateFile, decision.graceUntil, now);
    if (problem) return { ...decision, log: `${decision.log}; ${problem}` };
  }
  return decision;
}
