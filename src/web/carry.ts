/**
 * Values carried from the page that produced them to the form that needs them (a migration code made by the
 * license manager, typed into the portal; a key pack ID read back at the agent desk, installed on the license
 * server; a join token, entered on the session host). They are kept in this tab only (`sessionStorage`), never
 * in a URL: codes and tokens are secrets, and the hash route names only the form.
 */
import { useEffect, useState } from 'preact/hooks';

/** What can be carried between pages. */
export type CarryKind =
  | 'migrationCode'
  | 'packKey'
  | 'keyPackId'
  | 'keyPackMethod'
  | 'joinToken'
  | 'caseNumber'
  | 'hostName'
  | 'licenseServerUrl'
  | 'licenseServers'
  | 'sourceServerId'
  | 'serverId'
  | 'mode'
  | 'calType'
  | 'calVersion'
  | 'program'
  | 'agreementNumber'
  | 'licenseNumber'
  | 'authorizationNumber';

/** The page a carried value came from. */
export type CarrySource = 'license-manager' | 'portal' | 'agent-desk' | 'session-host' | 'diagnoser';

export interface Carried {
  value: string;
  from: CarrySource;
  /** when it was carried (ISO time, this browser's clock) */
  at: string;
}

const KEY = 'opencal.carry';

function readAll(): Partial<Record<CarryKind, Carried>> {
  try {
    const raw = window.sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Partial<Record<CarryKind, Carried>>) : {};
  } catch {
    return {}; // storage off or a damaged entry: nothing is carried
  }
}

function writeAll(all: Partial<Record<CarryKind, Carried>>): void {
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // storage off: values are not carried, the forms stay empty
  }
}

/**
 * Carries values to the next form. A value already carried unchanged keeps its first source (the diagnoser
 * re-carrying the key pack ID the agent desk produced still says it came from the agent desk); an empty value
 * is not carried.
 */
export function carry(values: Partial<Record<CarryKind, string | undefined>>, from: CarrySource, now: Date = new Date()): void {
  const all = readAll();
  for (const [kind, value] of Object.entries(values) as [CarryKind, string | undefined][]) {
    if (value === undefined || value.trim() === '') continue;
    if (all[kind]?.value === value) continue;
    all[kind] = { value, from, at: now.toISOString() };
  }
  writeAll(all);
}

export function carried(kind: CarryKind): Carried | undefined {
  return readAll()[kind];
}

/** Everything carried in this tab (for the diagnoser's note of what its links bring). */
export function allCarried(): Partial<Record<CarryKind, Carried>> {
  return readAll();
}

/**
 * The value carried for `kind` when the form mounts, handed once to `apply` (the form's own setter); the
 * user may then change it. Returns what was carried, for the note that says where it came from.
 */
export function useCarried(kind: CarryKind, apply: (value: string) => void): Carried | undefined {
  const [c] = useState(() => carried(kind));
  useEffect(() => {
    if (c) apply(c.value);
  }, []);
  return c;
}

/**
 * After a link to a form is followed: waits until the form is on the page (pages load their data first), brings
 * it into view and puts the focus on its first field, so a keyboard user continues where the link pointed.
 */
export function focusWhenShown(selector: string, timeoutMs = 8000): void {
  const started = Date.now();
  const attempt = () => {
    const el = document.querySelector<HTMLElement>(selector);
    if (el) {
      const field = el.querySelector<HTMLElement>('input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled])');
      el.scrollIntoView({ block: 'start' });
      (field ?? el).focus({ preventScroll: true });
      return;
    }
    if (Date.now() - started < timeoutMs) window.setTimeout(attempt, 60);
  };
  window.setTimeout(attempt, 0);
}

/** The second part of the hash route (`#/portal/migrate` → `migrate`): the form a link named. */
export function formFromHash(): string | undefined {
  const parts = window.location.hash.replace(/^#\/?/, '').split('/');
  return parts[1] || undefined;
}
