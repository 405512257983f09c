/**
 * The console talks to the HTTP API only. Tokens live in sessionStorage and travel in the Authorization
 * header — never in a URL. Each component (clearinghouse, license server, session host) has its own token
 * store, so the console keeps a keyring: every token the user signs in with, and which component accepted it
 * with which scope. A call to a component uses the token that component accepted.
 */
import { catalogueReader } from '../core/refusal-entry';
import { SHARED_REFUSALS } from '../core/refusals-shared';
import { currentLang } from './i18n';

/** The refusals the console words itself (a server that does not answer, or answers something else). */
const local = catalogueReader(SHARED_REFUSALS);

export interface ApiError {
  code: string;
  message: string;
  detail?: Record<string, unknown>;
  status: number;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export type Component = 'ch' | 'ls' | 'sh';
export const COMPONENTS: readonly Component[] = ['ch', 'ls', 'sh'];
export const COMPONENT_NAMES: Readonly<Record<Component, string>> = { ch: 'clearinghouse', ls: 'license server', sh: 'session host' };
export const PREFIX: Readonly<Record<Component, string>> = { ch: '/ch/v1', ls: '/ls/v1', sh: '/sh/v1' };

/** What one component said about one token. */
export interface Grant {
  scope: string;
  subject?: string;
  /** true when the scope was inferred from which routes answer (no whoami route), not stated by the server. */
  inferred?: boolean;
}

export interface KeyringEntry {
  /** a short label shown in the header; never the token itself */
  label: string;
  token: string;
  grants: Partial<Record<Component, Grant>>;
}

const KEYRING_KEY = 'opencal.keyring';

export function loadKeyring(): KeyringEntry[] {
  try {
    const raw = sessionStorage.getItem(KEYRING_KEY);
    const parsed = raw ? (JSON.parse(raw) as unknown) : [];
    return Array.isArray(parsed) ? (parsed as KeyringEntry[]).filter((e) => typeof e?.token === 'string' && typeof e?.grants === 'object') : [];
  } catch {
    return [];
  }
}

export function saveKeyring(entries: readonly KeyringEntry[]): void {
  if (entries.length === 0) sessionStorage.removeItem(KEYRING_KEY);
  else sessionStorage.setItem(KEYRING_KEY, JSON.stringify(entries));
}

/** The token a component accepted (the first one in the keyring), or undefined. */
export function tokenFor(keyring: readonly KeyringEntry[], component: Component, scopes?: readonly string[]): string | undefined {
  const entry = keyring.find((e) => {
    const g = e.grants[component];
    return g !== undefined && (scopes === undefined || scopes.includes(g.scope));
  });
  return entry?.token;
}

/**
 * The keyring with the entries whose grant for `component` is one of `scopes` first: a page asks for the role
 * it is for (the portal for the organization's token even when an admin token was added first).
 */
export function prefer(keyring: readonly KeyringEntry[], component: Component, scopes: readonly string[]): KeyringEntry[] {
  const rank = (e: KeyringEntry) => {
    const g = e.grants[component];
    if (!g) return scopes.length + 1;
    const i = scopes.indexOf(g.scope);
    return i < 0 ? scopes.length : i;
  };
  return [...keyring].sort((a, b) => rank(a) - rank(b));
}

export function grantFor(keyring: readonly KeyringEntry[], component: Component): Grant | undefined {
  for (const e of keyring) if (e.grants[component]) return e.grants[component];
  return undefined;
}

export interface CallOptions {
  body?: unknown;
  token?: string | undefined;
  /** answer the body as text (the emitted configuration, CSV) */
  text?: boolean;
}

/** One call to our API on this origin. A refusal keeps the server's code and message. */
export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<ApiResult<T>> {
  // Refusals come back in the console's language and words (no CLI flag, no API route): the server words them.
  const lang = currentLang();
  const headers: Record<string, string> = {
    accept: options.text ? 'text/plain, application/json' : 'application/json',
    'accept-language': lang,
    'opencal-surface': 'console',
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch {
    return { ok: false, error: { code: 'UNREACHABLE', message: local.render('UNREACHABLE', undefined, lang, 'console'), status: 0 } };
  }
  const text = await response.text();
  if (response.ok && options.text) return { ok: true, value: text as T };
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: answered below as BAD_RESPONSE with the status
  }
  if (response.ok) return { ok: true, value: json as T };
  const e = (json as { error?: Partial<ApiError> } | undefined)?.error;
  const detail = e?.detail && typeof e.detail === 'object' ? e.detail : undefined;
  if (typeof e?.code === 'string') {
    const message = typeof e.message === 'string' ? e.message : local.render('BAD_RESPONSE', { url: path, status: response.status, problem: 'no-error-body' }, lang, 'console');
    return { ok: false, error: { code: e.code, message, ...(detail ? { detail } : {}), status: response.status } };
  }
  return {
    ok: false,
    error: { code: 'BAD_RESPONSE', message: local.render('BAD_RESPONSE', { url: path, status: response.status, problem: 'no-error-body' }, lang, 'console'), status: response.status },
  };
}

/** A call to one component with the token it accepted. */
export function api<T>(keyring: readonly KeyringEntry[], component: Component, method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
  return call<T>(method, `${PREFIX[component]}${path}`, { body, token: tokenFor(keyring, component) });
}

export function apiText(keyring: readonly KeyringEntry[], component: Component, path: string): Promise<ApiResult<string>> {
  return call<string>('GET', `${PREFIX[component]}${path}`, { token: tokenFor(keyring, component), text: true });
}

type Probe = { ok: true } | { ok: false; status: number; scope?: string };

async function probe(token: string, path: string): Promise<Probe> {
  const r = await call<unknown>('GET', path, { token });
  if (r.ok) return { ok: true };
  const scope = r.error.detail?.['scope'];
  return { ok: false, status: r.error.status, ...(typeof scope === 'string' ? { scope } : {}) };
}

/**
 * Which scope a component gives this token. A `GET <prefix>/whoami` answers it directly where it exists;
 * otherwise cheap reads tell: a 401 means the component does not know the token, a 403 names the token's
 * scope (FORBIDDEN_SCOPE detail), a 200 narrows it down.
 */
export async function discoverGrant(token: string, component: Component): Promise<Grant | undefined> {
  const who = await call<{ scope?: unknown; subject?: unknown }>('GET', `${PREFIX[component]}/whoami`, { token });
  if (who.ok && typeof who.value?.scope === 'string') {
    return { scope: who.value.scope, ...(typeof who.value.subject === 'string' ? { subject: who.value.subject } : {}) };
  }
  if (!who.ok && who.error.status === 401) return undefined;
  const p = PREFIX[component];
  if (component === 'ch') {
    const orgs = await probe(token, `${p}/orgs`); // ch:admin, ch:agent
    if (!orgs.ok && orgs.status === 401) return undefined;
    if (!orgs.ok) return orgs.scope ? { scope: orgs.scope, inferred: true } : undefined;
    // Admin or agent: only an agent may decide a case. A case that cannot exist answers 404 to an agent,
    // FORBIDDEN_SCOPE to an admin; nothing changes either way.
    const decide = await call<unknown>('POST', `${p}/cases/CH-999999999999/approve`, { token, body: { reason: 'scope probe' } });
    return { scope: !decide.ok && decide.error.code === 'FORBIDDEN_SCOPE' ? 'ch:admin' : 'ch:agent', inferred: true };
  }
  if (component === 'ls') {
    const hosts = await probe(token, `${p}/hosts`); // ls:admin
    if (hosts.ok) return { scope: 'ls:admin', inferred: true };
    if (hosts.status === 401 || hosts.status === 404) return undefined;
    return hosts.scope ? { scope: hosts.scope, inferred: true } : undefined;
  }
  const status = await probe(token, `${p}/status`); // sh:admin, readonly
  if (status.ok) return { scope: 'sh:admin', inferred: true };
  if (status.status === 401 || status.status === 404) return undefined;
  return status.scope ? { scope: status.scope, inferred: true } : undefined;
}

export async function discoverGrants(token: string): Promise<Partial<Record<Component, Grant>>> {
  const found = await Promise.all(COMPONENTS.map(async (c) => [c, await discoverGrant(token, c)] as const));
  const grants: Partial<Record<Component, Grant>> = {};
  for (const [c, g] of found) if (g) grants[c] = g;
  return grants;
}

/** A refusal that reveals the token's real scope (e.g. a readonly token on a write): learn from it. */
export function scopeFromRefusal(error: ApiError): string | undefined {
  if (error.code !== 'FORBIDDEN_SCOPE') return undefined;
  const s = error.detail?.['scope'];
  return typeof s === 'string' ? s : undefined;
}
