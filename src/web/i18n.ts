/**
 * The console's language: one choice for every page (English or French), the browser's language by default,
 * kept in this browser for the next visit. Pages keep their words in catalogues shaped `{ en: {...}, fr: {...} }`
 * (`defineTexts` checks at compile time that both languages have every key) and read them with `useTexts`.
 */
import { useEffect, useState } from 'preact/hooks';
import { LANGS, type Lang } from '../core/diagnoser-texts';

export { LANGS, type Lang };

const KEY = 'opencal.lang';
/** the key the diagnoser page used before the choice became console-wide */
const OLD_KEY = 'opencal.diagnoserLang';

function stored(): Lang | undefined {
  try {
    const saved = window.localStorage.getItem(KEY) ?? window.localStorage.getItem(OLD_KEY);
    return saved === 'fr' || saved === 'en' ? saved : undefined;
  } catch {
    return undefined; // storage may be off: the browser's language then
  }
}

function browserLang(): Lang {
  const l = (typeof navigator !== 'undefined' ? navigator.language : 'en').toLowerCase();
  return l.startsWith('fr') ? 'fr' : 'en';
}

let current: Lang | undefined;
const listeners = new Set<(l: Lang) => void>();

export function currentLang(): Lang {
  current ??= stored() ?? browserLang();
  return current;
}

export function setLang(lang: Lang): void {
  current = lang;
  try {
    window.localStorage.setItem(KEY, lang);
  } catch {
    // not kept across visits then
  }
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
  for (const l of listeners) l(lang);
}

/** The console's language, re-rendering the component when it changes. */
export function useLang(): Lang {
  const [lang, set] = useState(currentLang());
  useEffect(() => {
    listeners.add(set);
    return () => void listeners.delete(set);
  }, []);
  return lang;
}

/** A catalogue of a page's words: English and French with the same keys. */
export function defineTexts<K extends string>(texts: { en: Record<K, string>; fr: Record<NoInfer<K>, string> }): Record<Lang, Record<K, string>> {
  return texts;
}

/** The words of a catalogue in the console's language. */
export function useTexts<K extends string>(texts: Record<Lang, Record<K, string>>): Record<K, string> {
  return texts[useLang()];
}

/** `{name}` placeholders filled from values. */
export function fill(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}
