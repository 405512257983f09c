/**
 * The alerts banner (docs/alerts.md), above every page: the active alerts of each component the signed-in tokens
 * may read (`GET <prefix>/alerts`, evaluated as they are read), each in the console's language with a link to the
 * page that fixes it. It reloads when the page changes and every minute. While loading, and when a component
 * does not answer, it stays quiet: the pages themselves report outages.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ActiveAlert, AlertList } from '../core/wire/alerts';
import { api, COMPONENTS, prefer, type Component, type KeyringEntry } from './api';
import { defineTexts, fill, useLang } from './i18n';

/** The scopes whose tokens read each component's alerts (as the routes allow). */
const READERS: Readonly<Record<Component, readonly string[]>> = {
  ch: ['ch:admin', 'ch:agent', 'readonly'],
  ls: ['ls:admin', 'readonly'],
  sh: ['sh:admin', 'readonly'],
};

const RELOAD_MS = 60_000;

const T = defineTexts({
  en: {
    title: 'Alerts',
    one: '1 alert needs attention',
    many: '{n} alerts need attention',
    since: 'since {date}',
    'fix.grace-ending': 'Configure the session host',
    'fix.pack-nearly-exhausted': 'Open the license manager',
    'fix.certificate-expiring': 'Open the license manager',
    'fix.grant-expiring': 'Open the license manager',
    'fix.case-pending': 'Decide it at the agent desk',
    'fix.clone-case': 'Decide it at the agent desk',
  },
  fr: {
    title: 'Alertes',
    one: '1 alerte demande votre attention',
    many: '{n} alertes demandent votre attention',
    since: 'depuis le {date}',
    'fix.grace-ending': 'Configurer l’hôte de session',
    'fix.pack-nearly-exhausted': 'Ouvrir le gestionnaire de licences',
    'fix.certificate-expiring': 'Ouvrir le gestionnaire de licences',
    'fix.grant-expiring': 'Ouvrir le gestionnaire de licences',
    'fix.case-pending': 'Décider au guichet des agents',
    'fix.clone-case': 'Décider au guichet des agents',
  },
});

/** An alert that already hurts (connections refused, nothing left, a copy running) rather than one that warns. */
function isSevere(a: ActiveAlert): boolean {
  if (a.kind === 'clone-case') return true;
  if (a.kind === 'pack-nearly-exhausted') return a.facts['available'] === 0;
  return (a.kind === 'grace-ending' || a.kind === 'certificate-expiring' || a.kind === 'grant-expiring') && a.facts['daysLeft'] === 0;
}

/** The components whose alerts the signed-in tokens may read. */
function readable(keyring: readonly KeyringEntry[]): Component[] {
  return COMPONENTS.filter((c) => keyring.some((k) => k.grants[c] && READERS[c].includes(k.grants[c]!.scope)));
}

export function AlertsBanner(props: { keyring: readonly KeyringEntry[]; route: string }) {
  const lang = useLang();
  const t = T[lang];
  // Each component's last answer: a component that does not answer this time keeps what it said before.
  const [byComponent, setByComponent] = useState<Partial<Record<Component, ActiveAlert[]>>>({});
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), RELOAD_MS);
    return () => clearInterval(timer);
  }, []);
  const components = readable(props.keyring);
  // The tokens themselves, not the keyring's identity: a page learning a token's scope does not reload the banner.
  const tokens = components.map((c) => `${c}:${prefer(props.keyring, c, READERS[c])[0]?.token ?? ''}`).join(' ');
  useEffect(() => {
    let live = true;
    for (const c of components) {
      void api<AlertList>(prefer(props.keyring, c, READERS[c]), c, 'GET', '/alerts').then((r) => {
        if (live && r.ok) setByComponent((was) => ({ ...was, [c]: r.value.alerts }));
      });
    }
    return () => {
      live = false;
    };
  }, [tokens, props.route, tick]);

  const alerts = components.flatMap((c) => byComponent[c] ?? []);
  if (alerts.length === 0) return null;
  return (
    <section class="alerts-banner" aria-labelledby="alerts-banner-title" data-testid="alerts-banner">
      <h2 id="alerts-banner-title" class="sr-only">
        {t.title}
      </h2>
      <p class="alerts-count">{alerts.length === 1 ? t.one : fill(t.many, { n: alerts.length })}</p>
      <ul>
        {alerts.map((a) => (
          <li class={`alert ${isSevere(a) ? 'error' : 'pending'}`} data-kind={a.kind} data-subject={a.subject} key={`${a.component} ${a.kind} ${a.subject}`}>
            <span>{a.message[lang]}</span> <span class="hint">({fill(t.since, { date: a.since.slice(0, 10) })})</span>{' '}
            <a href={`#/${a.page}`}>{t[`fix.${a.kind}`]}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}
