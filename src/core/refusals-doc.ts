/**
 * docs/errors.md, rendered from the catalogue of refusals (`npm run docs:errors` writes it; a test fails when the
 * checked-in file differs).
 */
import { REFUSALS, SURFACES, type Lang, type RefusalCode, type RefusalEntry, type Surface } from './refusals';

/** Details for messages that read structured values; any other code is shown with {placeholders}. */
const SAMPLES: Partial<Record<RefusalCode, Record<string, unknown>>> = {
  INVALID_REQUEST: { problems: [{ field: '{field}', problem: 'is required' }] },
  CODE_WRONG_LENGTH: { expected: [35], actual: 34, kinds: ['keyPackId'] },
  CODE_CHECK_FAILED: { kinds: ['packKey'] },
  CODE_WRONG_KIND: { expected: ['keyPackId'], actual: 'packKey' },
  CODE_MAC_INVALID: { kind: 'keyPackId' },
  AUDIT_CHAIN_BROKEN: { firstBroken: { seq: '{seq}', problem: '{problem}' } },
  UNAUTHENTICATED: { scopes: ['{scope}'] },
  CONFIG_INVALID_VALUE: { key: '{key}', source: 'flag', flag: '{flag}', shown: '{value}', expected: '{expected}' },
  PAM_GATE_MISCONFIGURED: { problem: 'credential-mode', file: '{file}', mode: '644' },
  SESSION_HOST_UNREACHABLE: { reasons: ['{sessionHost}: {reason}'], graceEndedOn: '{graceEndedOn}' },
};

function placeholders(): Record<string, unknown> {
  return new Proxy({} as Record<string, unknown>, {
    get: (_t, key) => (typeof key === 'string' ? `{${key}}` : undefined),
  });
}

/** A detail for `code` whose values show as {placeholders} (structured ones from SAMPLES). */
export function sampleOf(code: RefusalCode): Record<string, unknown> {
  const sample = SAMPLES[code];
  if (!sample) return placeholders();
  const fallback = placeholders();
  return new Proxy(sample, { get: (t, key) => (typeof key === 'string' && key in t ? t[key] : fallback[key as string]) });
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function say(entry: RefusalEntry<unknown>, code: RefusalCode, lang: Lang): string {
  const d = sampleOf(code);
  const parts = [entry.text[lang](d)];
  const label: Record<Surface, string> = { api: 'API', cli: 'CLI', console: lang === 'fr' ? 'Console' : 'Console' };
  for (const surface of SURFACES) {
    const advice = entry[surface]?.[lang](d) ?? '';
    if (advice !== '') parts.push(`*${label[surface]}:* ${advice}`);
  }
  return parts.map(cell).join('<br>');
}

export function renderErrorsDoc(): string {
  const rows = (Object.keys(REFUSALS) as RefusalCode[])
    .sort()
    .map((code) => {
      const e = REFUSALS[code] as RefusalEntry<unknown>;
      return `| \`${code}\` | ${e.status} | ${e.event ?? ''} | ${say(e, code, 'en')} | ${say(e, code, 'fr')} |`;
    });
  return [
    '# Refusal codes',
    '',
    '<!-- Generated from src/core/refusals.ts by `npm run docs:errors`; do not edit by hand (a test compares). -->',
    '',
    'Every refusal OpenCAL answers, once: its stable code (a public contract: codes are added, never renamed), the',
    'HTTP status the API answers it with, the event recorded with it (if any), and its message in English and French.',
    'The HTTP API answers `{ "error": { "code", "message", "detail"? } }` in the language of `Accept-Language`',
    '(English by default); the CLI speaks the language of `--lang`, `OPENCAL_LANG`, the config file\'s `lang`, or the',
    'system locale (`LC_ALL`, `LC_MESSAGES`, `LANG`); the console the language of the browser.',
    '',
    'A message is a neutral text, then advice in the words of where it appears: *API* (may name routes and headers),',
    '*CLI* (may name flags and commands), *Console* (names neither). Values in `{braces}` come from the refusal\'s',
    '`detail`; where a message varies with the detail, one variant is shown.',
    '',
    '| Code | HTTP | Event | English | Français |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
