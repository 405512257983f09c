/**
 * Shared pieces of the console: the code input that checks codes as they are typed (group by group, with
 * src/core/codes, before anything is sent), refusal messages, copy buttons, loading hooks.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { CODE_ALPHABET, CODE_KIND_LABELS, CODE_LENGTHS, decodeCode, firstCharacterNotInAlphabet, formatCode, normalizeCode, type CodeKind } from '../core/codes/index';
import type { ApiError, ApiResult } from './api';
import type { Carried, CarrySource } from './carry';
import { defineTexts, fill, useLang, useTexts, type Lang } from './i18n';

const UI = defineTexts({
  en: {
    commands: 'Commands',
    commandsHint: 'The same step from a terminal:',
    carriedFrom: 'Filled in from {source} ({at}). You may change it.',
    loading: 'Loading…',
    retry: 'Try again',
    confirm: 'Confirm',
    cancel: 'Cancel',
    'license-manager': 'the license manager',
    portal: 'the portal',
    'agent-desk': 'the agent desk',
    'session-host': 'the session host page',
    diagnoser: 'the diagnoser',
    copy: 'Copy',
    copyLabel: 'Copy {label}',
    copied: 'Copied',
    selected: 'Selected — press Ctrl+C',
    nextRevoke: 'next revoke allowed on {date}',
    codeHint: '{max} characters in groups of 5; case, spaces and hyphens do not matter.',
    codeBadCharacter: 'Group {group} contains {character}, which is not used in codes (only {alphabet}: no vowels, no 0, 1 or 5). Re-read group {group}.',
    codeTypingGroups: '{typed} of {max} characters — {groupsDone} of {groups} groups typed, all valid so far.',
    codeTyping: '{typed} of {max} characters, all valid so far.',
    codeValid: 'A valid {kind}.',
  },
  fr: {
    commands: 'Commandes',
    commandsHint: 'La même étape depuis un terminal :',
    carriedFrom: 'Rempli depuis {source} ({at}). Vous pouvez le modifier.',
    loading: 'Chargement…',
    retry: 'Réessayer',
    confirm: 'Confirmer',
    cancel: 'Annuler',
    'license-manager': 'le gestionnaire de licences',
    portal: 'le portail',
    'agent-desk': 'le guichet des agents',
    'session-host': 'la page de l’hôte de session',
    diagnoser: 'le diagnostic',
    copy: 'Copier',
    copyLabel: 'Copier : {label}',
    copied: 'Copié',
    selected: 'Sélectionné — appuyez sur Ctrl+C',
    nextRevoke: 'prochaine révocation permise le {date}',
    codeHint: '{max} caractères par groupes de 5 ; la casse, les espaces et les tirets n’ont pas d’importance.',
    codeBadCharacter: 'Le groupe {group} contient {character}, qui n’est pas utilisé dans les codes (seulement {alphabet} : pas de voyelles, ni 0, 1 ou 5). Relisez le groupe {group}.',
    codeTypingGroups: '{typed} caractères sur {max} — {groupsDone} groupes sur {groups} tapés, tous valides jusqu’ici.',
    codeTyping: '{typed} caractères sur {max}, tous valides jusqu’ici.',
    codeValid: 'Code valide : {kind}.',
  },
});

/** The kinds of codes in French (English: CODE_KIND_LABELS). */
const KIND_LABELS_FR: Readonly<Record<CodeKind, string>> = {
  packKey: 'clé de pack',
  licenseServerId: 'ID de serveur de licences',
  productId: 'ID de produit',
  activationConfirmation: 'code de confirmation d’activation',
  keyPackId: 'ID de pack de licences',
  migrationCode: 'code de migration',
  deactivationReceipt: 'reçu de désactivation',
};

let nextId = 0;
export function useId(prefix: string): string {
  const ref = useRef<string | undefined>(undefined);
  if (!ref.current) ref.current = `${prefix}-${++nextId}`;
  return ref.current;
}

/** The state of a code being typed: what to tell the user now. */
export interface CodeCheck {
  state: 'empty' | 'typing' | 'invalid' | 'valid';
  message: string;
  formatted: string;
  /** 1-based group with a bad character, when there is one */
  group?: number;
}

/**
 * Checks a code as it is typed. Characters are checked group by group as soon as they are typed (a wrong
 * character names its group at once); the length, check and kind once the code is complete (decodeCode).
 */
export function checkTypedCode(input: string, kinds: readonly CodeKind[], lang: Lang = 'en'): CodeCheck {
  const t = UI[lang];
  const normalized = normalizeCode(input);
  const chars = [...normalized];
  const formatted = formatCode(normalized);
  if (chars.length === 0) return { state: 'empty', message: '', formatted };
  const bad = firstCharacterNotInAlphabet(normalized);
  if (bad) {
    const { group, character } = bad;
    return {
      state: 'invalid',
      group,
      formatted,
      message: fill(t.codeBadCharacter, { group, character: JSON.stringify(character), alphabet: CODE_ALPHABET }),
    };
  }
  const lengths = [...new Set(kinds.map((k) => CODE_LENGTHS[k]))].sort((a, b) => a - b);
  const max = lengths[lengths.length - 1]!;
  if (chars.length < max && !lengths.includes(chars.length)) {
    const groupsDone = Math.floor(chars.length / 5);
    return { state: 'typing', formatted, message: fill(t.codeTypingGroups, { typed: chars.length, max, groupsDone, groups: max / 5 }) };
  }
  const decoded = decodeCode(normalized, kinds as CodeKind[]);
  if (!decoded.ok) {
    const g = decoded.error.detail?.['group'];
    if (chars.length < max && decoded.error.code !== 'CODE_WRONG_LENGTH') {
      // a complete shorter kind that does not check out: keep typing the longer one
      return { state: 'typing', formatted, message: fill(t.codeTyping, { typed: chars.length, max }) };
    }
    return { state: 'invalid', formatted, message: decoded.error.message, ...(typeof g === 'number' ? { group: g } : {}) };
  }
  return { state: 'valid', formatted: decoded.value.formatted, message: fill(t.codeValid, { kind: (lang === 'fr' ? KIND_LABELS_FR : CODE_KIND_LABELS)[decoded.value.kind] }) };
}

export function CodeInput(props: {
  label: string;
  kinds: CodeKind | readonly CodeKind[];
  value: string;
  onInput: (value: string, check: CodeCheck) => void;
  name?: string;
  hint?: string;
  required?: boolean;
}) {
  const id = useId('code');
  const kinds: readonly CodeKind[] = typeof props.kinds === 'string' ? [props.kinds] : props.kinds;
  const t = useTexts(UI);
  const check = checkTypedCode(props.value, kinds, useLang());
  const max = Math.max(...kinds.map((k) => CODE_LENGTHS[k]));
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        class="code"
        style={{ width: `${max + max / 5 + 1}ch` }}
        type="text"
        autoComplete="off"
        spellcheck={false}
        autoCapitalize="characters"
        placeholder={Array.from({ length: max / 5 }, () => 'XXXXX').join('-')}
        value={props.value}
        required={props.required}
        aria-invalid={check.state === 'invalid' ? 'true' : 'false'}
        aria-describedby={`${id}-status`}
        data-state={check.state}
        onInput={(e) => {
          const v = (e.currentTarget as HTMLInputElement).value;
          props.onInput(v, checkTypedCode(v, kinds));
        }}
        onBlur={() => {
          if (check.state === 'valid' && check.formatted !== props.value) props.onInput(check.formatted, check);
        }}
      />
      <div id={`${id}-status`} class={check.state === 'invalid' ? 'field-error' : check.state === 'valid' ? 'field-ok' : 'hint'} role="status" aria-live="polite">
        {check.message || props.hint || fill(t.codeHint, { max })}
      </div>
    </div>
  );
}

/** The header row of a table: one column header per entry. */
export function TableHead(props: { columns: readonly ComponentChildren[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((c) => (
          <th scope="col">{c}</th>
        ))}
      </tr>
    </thead>
  );
}

/** A code as typed and what its check said. */
export interface TypedCode {
  value: string;
  check?: CodeCheck;
}

export const emptyCode = (): TypedCode => ({ value: '' });

/** A code set by the console (carried from another page), checked as if it had been typed. */
export const typedCode = (value: string, kinds: CodeKind | readonly CodeKind[]): TypedCode => ({ value, check: checkTypedCode(value, typeof kinds === 'string' ? [kinds] : kinds) });

/** A CodeInput bound to a TypedCode state: `<CodeField code={packKey} onChange={setPackKey} … />`. */
export function CodeField(props: Omit<Parameters<typeof CodeInput>[0], 'value' | 'onInput'> & { code: TypedCode; onChange: (code: TypedCode) => void }) {
  const { code, onChange, ...rest } = props;
  return <CodeInput {...rest} value={code.value} onInput={(value, check) => onChange({ value, check })} />;
}

export function TextInput(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  name?: string;
  hint?: string;
  required?: boolean;
  type?: string;
  placeholder?: string;
  autoComplete?: string;
}) {
  const id = useId('f');
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        required={props.required}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete ?? (props.type === 'password' ? 'off' : undefined)}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
      {props.hint ? <div id={`${id}-hint`} class="hint">{props.hint}</div> : null}
    </div>
  );
}

export function Select<T extends string | number>(props: { label: string; value: T; options: readonly T[] | readonly { value: T; label: string }[]; onChange: (v: T) => void; name?: string }) {
  const id = useId('s');
  const opts = (props.options as readonly (T | { value: T; label: string })[]).map((o) => (typeof o === 'object' ? o : { value: o, label: String(o) }));
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={String(props.value)}
        onChange={(e) => {
          const raw = (e.currentTarget as HTMLSelectElement).value;
          const found = opts.find((o) => String(o.value) === raw);
          if (found) props.onChange(found.value);
        }}
      >
        {opts.map((o) => (
          <option value={String(o.value)}>{o.label}</option>
        ))}
      </select>
    </div>
  );
}

/** The server's refusal, as it said it: message first, code for support. */
export function Refusal(props: { error: ApiError | undefined | null }) {
  const t = useTexts(UI);
  if (!props.error) return null;
  const next = props.error.detail?.['nextRevokeAllowedOn'];
  return (
    <div class="alert error" role="alert" data-code={props.error.code}>
      <strong>{props.error.message}</strong>
      <div class="hint">
        <code>{props.error.code}</code>
        {typeof next === 'string' ? <> · {fill(t.nextRevoke, { date: next.slice(0, 10) })}</> : null}
      </div>
    </div>
  );
}

export function Copyable(props: { value: string; label: string; testId?: string; hidden?: boolean }) {
  const t = useTexts(UI);
  const [copied, setCopied] = useState<'no' | 'yes' | 'selected'>('no');
  const ref = useRef<HTMLElement>(null);
  return (
    <span class="copyable">
      <code class={props.hidden ? 'sr-only' : 'mono'} ref={ref} data-testid={props.testId}>
        {props.value}
      </code>
      <button
        type="button"
        class="secondary small"
        aria-label={fill(t.copyLabel, { label: props.label })}
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(props.value);
            setCopied('yes');
          } catch {
            // no clipboard permission (plain http, headless): select the text so Ctrl+C copies it
            const sel = window.getSelection();
            if (sel && ref.current) sel.selectAllChildren(ref.current);
            setCopied('selected');
          }
        }}
      >
        {copied === 'yes' ? t.copied : copied === 'selected' ? t.selected : t.copy}
      </button>
    </span>
  );
}

/** A state as a coloured word: `value` names the colour (and is the word unless `label` says it in the console's language). */
export function Badge(props: { value: string | undefined; label?: string }) {
  return <span class={`badge ${props.value ?? ''}`}>{props.label ?? props.value ?? '—'}</span>;
}

export function Card(props: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={props.id} aria-labelledby={props.id ? `${props.id}-title` : undefined}>
      <h2 id={props.id ? `${props.id}-title` : undefined}>{props.title}</h2>
      {props.children}
    </section>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads once and on reload(); keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<ApiResult<T>>, deps: readonly unknown[] = []): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then((r) => {
      if (!live) return;
      setLoading(false);
      if (r.ok) {
        setData(r.value);
        setError(undefined);
      } else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [tick, ...deps]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** A form action: runs, keeps its refusal or its answer, and tells whether it is busy. */
export function useAction<A extends unknown[], T>(run: (...args: A) => Promise<ApiResult<T>>, onDone?: (value: T) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [result, setResult] = useState<T>();
  const go = async (...args: A) => {
    setBusy(true);
    setError(undefined);
    const r = await run(...args);
    setBusy(false);
    if (r.ok) {
      setResult(r.value);
      onDone?.(r.value);
    } else setError(r.error);
    return r;
  };
  return { busy, error, result, go, setResult, setError };
}

export function formatDate(iso: string | undefined | null): string {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/:\d\dZ$/, ' UTC');
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="hint empty">{props.children}</p>;
}

/**
 * The command lines of a step, behind a toggle closed by default: the console's own words never name a flag or
 * a route; who prefers a terminal opens it.
 */
export function Commands(props: { lines: readonly string[]; before?: string; testId?: string }) {
  const t = useTexts(UI);
  if (props.lines.length === 0 && !props.before) return null;
  return (
    <details class="commands" data-testid={props.testId ?? 'commands'}>
      <summary>{t.commands}</summary>
      {props.before ? <p>{props.before}</p> : <p class="hint">{t.commandsHint}</p>}
      {props.lines.length > 0 ? <pre>{props.lines.join('\n')}</pre> : null}
    </details>
  );
}

/** Where a pre-filled value came from, shown while the field still holds it. */
export function CarriedNote(props: { carried: Carried | undefined; current: string; what?: string }) {
  const t = useTexts(UI);
  const c = props.carried;
  const same = (v: string) => v.replace(/[\s-]/g, '').toUpperCase();
  if (!c || same(props.current) !== same(c.value)) return null;
  const at = new Date(c.at);
  const time = Number.isNaN(at.getTime()) ? '' : `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  return (
    <div class="carried" data-testid="carried" data-from={c.from} data-what={props.what ?? ''}>
      {fill(t.carriedFrom, { source: t[c.from satisfies CarrySource], at: time })}
    </div>
  );
}

/**
 * A card's data in its three other states: loading (before the first answer), the refusal with a way to try
 * again, and empty. `children` renders the data once it is there and not empty.
 */
export function Loading<T>(props: { loaded: Loaded<T>; empty?: (data: T) => boolean; emptyText?: ComponentChildren; children: (data: T) => ComponentChildren }) {
  const t = useTexts(UI);
  const { data, error, loading, reload } = props.loaded;
  if (error) {
    return (
      <div data-state="error">
        <Refusal error={error} />
        <button type="button" class="secondary small" onClick={reload}>
          {t.retry}
        </button>
      </div>
    );
  }
  if (data === undefined) {
    return loading ? (
      <p class="hint loading" role="status" aria-live="polite" data-state="loading">
        {t.loading}
      </p>
    ) : null;
  }
  if (props.empty?.(data)) return <Empty>{props.emptyText}</Empty>;
  return <>{props.children(data)}</>;
}

/**
 * A destructive action's second step: says what will be lost, then asks to confirm. Shown in place of the
 * button that opened it; Escape or Cancel closes it.
 */
export function ConfirmLoss(props: { loss: ComponentChildren; confirmLabel: string; busy?: boolean; onConfirm: () => void; onCancel: () => void; testId?: string }) {
  const t = useTexts(UI);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('button.secondary')?.focus();
  }, []);
  return (
    <div
      class="confirm-loss"
      role="alertdialog"
      aria-modal="false"
      aria-label={props.confirmLabel}
      data-testid={props.testId ?? 'confirm-loss'}
      ref={ref}
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onCancel();
      }}
    >
      <p class="loss">{props.loss}</p>
      <button type="button" class="danger" disabled={props.busy} onClick={props.onConfirm}>
        {props.confirmLabel}
      </button>
      <button type="button" class="secondary" onClick={props.onCancel}>
        {t.cancel}
      </button>
    </div>
  );
}
