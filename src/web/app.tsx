/**
 * The console shell: sign-in (a keyring of tokens, each probed against the three components), hash routing
 * (`#/portal`, … — tokens never appear in a URL) and the navigation, which shows only the pages the tokens
 * allow.
 */
import { useEffect, useState } from 'preact/hooks';
import { COMPONENT_NAMES, COMPONENTS, discoverGrants, loadKeyring, prefer, saveKeyring, type Component, type KeyringEntry } from './api';
import { AlertsBanner } from './alerts-banner';
import { AgentDesk } from './pages/agent-desk';
import { Diagnoser } from './pages/diagnoser';
import { lazyPage } from './lazy';
import { LicenseManager } from './pages/license-manager';
import { Portal } from './pages/portal';
import { SessionHostPage } from './pages/session-host';
import { SignInHelp } from './pages/sign-in-help';
import { EventsPage, eventSources } from './pages/events';
import { Refusal, TextInput } from './ui';
import { defineTexts, fill, LANGS, setLang, useLang, useTexts, type Lang } from './i18n';

export interface PageProps {
  keyring: KeyringEntry[];
  /** a refusal showed the token's real scope: record it */
  learnScope: (component: Component, scope: string) => void;
}

interface PageDef {
  path: string;
  /** the page's name in each language */
  title: Record<Lang, string>;
  allowed: (k: KeyringEntry[]) => boolean;
  /** what the page needs, in each language */
  needs: Record<Lang, string>;
  render: (p: PageProps) => preact.JSX.Element;
}

// The dashboard and its charting library are fetched when it is first opened (docs/console.md, Bundle).
const Dashboard = lazyPage(() => import('./pages/dashboard').then((m) => m.Dashboard));
// the clearinghouse administrator's page is fetched when it is first opened: other roles never load it
const ClearinghouseAdmin = lazyPage(() => import('./pages/clearinghouse-admin').then((m) => m.ClearinghouseAdmin));

const has = (k: KeyringEntry[], c: Component, scopes?: string[]) => k.some((e) => e.grants[c] && (!scopes || scopes.includes(e.grants[c]!.scope)));

export const PAGES: readonly PageDef[] = [
  { path: 'portal', title: { en: 'Portal', fr: 'Portail' }, allowed: (k) => has(k, 'ch', ['ch:org']), needs: { en: 'an organization token (ch:org)', fr: 'un jeton d’organisation (ch:org)' }, render: (p) => <Portal {...p} keyring={prefer(p.keyring, 'ch', ['ch:org'])} /> },
  {
    path: 'license-manager',
    title: { en: 'License manager', fr: 'Gestionnaire de licences' },
    allowed: (k) => has(k, 'ls', ['ls:admin', 'readonly']),
    needs: { en: 'a license server token (ls:admin or readonly)', fr: 'un jeton du serveur de licences (ls:admin ou readonly)' },
    render: (p) => <LicenseManager {...p} keyring={prefer(prefer(p.keyring, 'ch', ['ch:org']), 'ls', ['ls:admin', 'readonly'])} />,
  },
  { path: 'agent-desk', title: { en: 'Agent desk', fr: 'Guichet des agents' }, allowed: (k) => has(k, 'ch', ['ch:agent']), needs: { en: 'an agent token (ch:agent)', fr: 'un jeton d’agent (ch:agent)' }, render: (p) => <AgentDesk {...p} keyring={prefer(p.keyring, 'ch', ['ch:agent'])} /> },
  {
    path: 'clearinghouse',
    title: { en: 'Clearinghouse', fr: 'Centre d’échange' },
    allowed: (k) => has(k, 'ch', ['ch:admin']),
    needs: { en: 'a clearinghouse administrator token (ch:admin)', fr: 'un jeton d’administrateur du centre d’échange (ch:admin)' },
    render: (p) => <ClearinghouseAdmin {...p} keyring={prefer(p.keyring, 'ch', ['ch:admin'])} />,
  },
  { path: 'session-host', title: { en: 'Session host', fr: 'Hôte de session' }, allowed: (k) => has(k, 'sh'), needs: { en: 'a session host token (sh:admin or readonly)', fr: 'un jeton de l’hôte de session (sh:admin ou readonly)' }, render: (p) => <SessionHostPage {...p} keyring={prefer(p.keyring, 'sh', ['sh:admin', 'readonly'])} /> },
  { path: 'events', title: { en: 'Events', fr: 'Événements' }, allowed: (k) => eventSources(k).length > 0, needs: { en: 'an administrator or read-only token of a component', fr: 'un jeton d’administrateur ou de lecture seule d’un composant' }, render: (p) => <EventsPage {...p} /> },
  {
    path: 'diagnoser',
    title: { en: 'Diagnoser', fr: 'Diagnostic' },
    allowed: (k) => has(k, 'sh'),
    needs: {
      en: 'a session host token (sh:admin or readonly); license server and clearinghouse tokens add their checks',
      fr: 'un jeton de l’hôte de session (sh:admin ou readonly) ; les jetons du serveur de licences et du centre d’échange ajoutent leurs vérifications',
    },
    render: (p) => <Diagnoser {...p} keyring={prefer(prefer(prefer(p.keyring, 'ch', ['ch:org', 'ch:agent', 'ch:admin']), 'ls', ['ls:admin', 'readonly']), 'sh', ['sh:admin', 'readonly'])} />,
  },
  {
    path: 'dashboard',
    title: { en: 'Dashboard', fr: 'Tableau de bord' },
    allowed: (k) => has(k, 'ls', ['ls:admin', 'readonly']) || has(k, 'sh') || has(k, 'ch', ['ch:org', 'ch:admin', 'ch:agent']),
    needs: { en: 'a license server, session host or clearinghouse token', fr: 'un jeton du serveur de licences, de l’hôte de session ou du centre d’échange' },
    render: (p) => <Dashboard {...p} keyring={prefer(prefer(prefer(p.keyring, 'ch', ['ch:org', 'ch:admin', 'ch:agent']), 'ls', ['ls:admin', 'readonly']), 'sh', ['sh:admin', 'readonly'])} />,
  },
];

function currentRoute(): string {
  const h = window.location.hash.replace(/^#\/?/, '');
  return h.split(/[?/]/)[0] ?? '';
}

function useRoute(): [string, (r: string) => void] {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return [route, (r: string) => (window.location.hash = `#/${r}`)];
}

function describeGrants(e: KeyringEntry): string {
  return COMPONENTS.filter((c) => e.grants[c])
    .map((c) => `${COMPONENT_NAMES[c]}: ${e.grants[c]!.scope}${e.grants[c]!.subject ? ` (${e.grants[c]!.subject})` : ''}`)
    .join(' · ');
}

const SIGN_IN = defineTexts({
  en: {
    title: 'Sign in',
    intro:
      'Paste an API token. Each component (clearinghouse, license server, session host) has its own tokens; add one per role you hold — an organization, an agent, a license server administrator, a session host administrator. Tokens stay in this browser tab only and are never put in a URL.',
    token: 'API token',
    label: 'Label (optional)',
    labelHint: 'How this token is named in the header, e.g. “Contoso admin”.',
    checking: 'Checking…',
    already: 'This token is already signed in.',
    unknown: 'No component of this server accepts this token (mistyped, revoked, or issued by another server). Paste the token again.',
    signedIn: 'Signed-in tokens',
    labelColumn: 'Label',
    acceptedBy: 'Accepted by',
    actions: 'Actions',
    signOutOne: 'Sign out {label}',
    remove: 'Remove',
    continue: 'Continue',
  },
  fr: {
    title: 'Connexion',
    intro:
      'Collez un jeton d’API. Chaque composant (centre d’échange, serveur de licences, hôte de session) a ses propres jetons ; ajoutez-en un par rôle que vous tenez — une organisation, un agent, un administrateur du serveur de licences, un administrateur de l’hôte de session. Les jetons restent dans cet onglet seulement et ne sont jamais mis dans une URL.',
    token: 'Jeton d’API',
    label: 'Libellé (facultatif)',
    labelHint: 'Le nom de ce jeton dans l’en-tête, par exemple « Admin Contoso ».',
    checking: 'Vérification…',
    already: 'Ce jeton est déjà connecté.',
    unknown: 'Aucun composant de ce serveur n’accepte ce jeton (mal saisi, révoqué, ou émis par un autre serveur). Collez le jeton à nouveau.',
    signedIn: 'Jetons connectés',
    labelColumn: 'Libellé',
    acceptedBy: 'Accepté par',
    actions: 'Actions',
    signOutOne: 'Déconnecter {label}',
    remove: 'Retirer',
    continue: 'Continuer',
  },
});

function SignIn(props: { keyring: KeyringEntry[]; onAdd: (e: KeyringEntry) => void; onRemove: (i: number) => void; onContinue: () => void }) {
  const [token, setToken] = useState('');
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string; status: number }>();
  const w = useTexts(SIGN_IN);
  const submit = async (e: Event) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) return;
    if (props.keyring.some((k) => k.token === t)) {
      setError({ code: 'TOKEN_ALREADY_ADDED', message: w.already, status: 0 });
      return;
    }
    setBusy(true);
    setError(undefined);
    const grants = await discoverGrants(t);
    setBusy(false);
    if (Object.keys(grants).length === 0) {
      setError({
        code: 'UNAUTHENTICATED',
        message: w.unknown,
        status: 401,
      });
      return;
    }
    const first = COMPONENTS.find((c) => grants[c])!;
    props.onAdd({ token: t, label: label.trim() || `${grants[first]!.scope}${grants[first]!.subject ? ` ${grants[first]!.subject}` : ''}`, grants });
    setToken('');
    setLabel('');
  };
  return (
    <main id="main" tabIndex={-1}>
      <section class="card" aria-labelledby="signin-title">
        <h2 id="signin-title">{w.title}</h2>
        <p class="hint">{w.intro}</p>
        <SignInHelp />
        <form onSubmit={submit}>
          <TextInput label={w.token} name="token" type="password" value={token} onInput={setToken} required placeholder="ocal_…" />
          <TextInput label={w.label} name="label" value={label} onInput={setLabel} hint={w.labelHint} />
          <button type="submit" disabled={busy || token.trim() === ''}>
            {busy ? w.checking : w.title}
          </button>
        </form>
        <Refusal error={error} />
      </section>
      {props.keyring.length > 0 ? (
        <section class="card" aria-labelledby="keyring-title">
          <h2 id="keyring-title">{w.signedIn}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{w.labelColumn}</th>
                <th scope="col">{w.acceptedBy}</th>
                <th scope="col"><span class="sr-only">{w.actions}</span></th>
              </tr>
            </thead>
            <tbody>
              {props.keyring.map((k, i) => (
                <tr>
                  <td>{k.label}</td>
                  <td class="grants">{describeGrants(k)}</td>
                  <td>
                    <button type="button" class="secondary small" onClick={() => props.onRemove(i)} aria-label={fill(w.signOutOne, { label: k.label })}>
                      {w.remove}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" onClick={props.onContinue}>
            {w.continue}
          </button>
        </section>
      ) : null}
    </main>
  );
}

const SHELL = defineTexts({
  en: {
    skip: 'Skip to content',
    signIn: 'Sign in',
    console: 'OpenCAL console',
    pages: 'Pages',
    tokens: 'Tokens',
    signOut: 'Sign out',
    notFound: 'Page not found',
    notFoundText: 'There is no page “{route}”. Choose one in the navigation.',
    notAllowed: 'The signed-in tokens do not allow this page: it needs {needs}.',
    addToken: 'Add a token',
  },
  fr: {
    skip: 'Aller au contenu',
    signIn: 'Connexion',
    console: 'Console OpenCAL',
    pages: 'Pages',
    tokens: 'Jetons',
    signOut: 'Se déconnecter',
    notFound: 'Page introuvable',
    notFoundText: 'Il n’y a pas de page « {route} ». Choisissez-en une dans la navigation.',
    notAllowed: 'Les jetons connectés ne permettent pas cette page : il faut {needs}.',
    addToken: 'Ajouter un jeton',
  },
});

/** One language for every page (English or French), kept in this browser. */
function LanguageSwitch() {
  const lang = useLang();
  return (
    <label class="lang-switch">
      <span class="sr-only">{lang === 'fr' ? 'Langue' : 'Language'}</span>
      <select value={lang} onChange={(e) => setLang((e.currentTarget as HTMLSelectElement).value as Lang)} data-testid="console-lang">
        {LANGS.map((l) => (
          <option value={l} lang={l}>
            {l === 'fr' ? 'Français' : 'English'}
          </option>
        ))}
      </select>
    </label>
  );
}

export function App() {
  const lang = useLang();
  const t = SHELL[lang];
  const [keyring, setKeyring] = useState<KeyringEntry[]>(loadKeyring());
  const [route, go] = useRoute();
  useEffect(() => saveKeyring(keyring), [keyring]);

  const allowed = PAGES.filter((p) => p.allowed(keyring));
  const page = PAGES.find((p) => p.path === route);
  const signingIn = keyring.length === 0 || route === 'sign-in' || route === '';

  const learnScope = (component: Component, scope: string) =>
    setKeyring((k) => k.map((e) => (e.grants[component] && e.grants[component]!.scope !== scope ? { ...e, grants: { ...e.grants, [component]: { ...e.grants[component]!, scope, inferred: false } } } : e)));

  useEffect(() => {
    const title = signingIn ? t.signIn : page?.title[lang];
    document.title = title ? `${title} — ${t.console}` : t.console;
  }, [signingIn, page, lang]);

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        {t.skip}
      </a>
      <header class="top">
        <h1>OpenCAL</h1>
        <nav aria-label={t.pages}>
          {allowed.map((p) => (
            <a href={`#/${p.path}`} aria-current={route === p.path ? 'page' : undefined}>
              {p.title[lang]}
            </a>
          ))}
        </nav>
        <span class="spacer" />
        <LanguageSwitch />
        {keyring.length > 0 ? (
          <>
            <span class="who" title={keyring.map(describeGrants).join('\n')}>
              {keyring.map((k) => k.label).join(', ')}
            </span>
            <a class="header-link" href="#/sign-in">
              {t.tokens}
            </a>
            <button
              type="button"
              class="secondary small"
              onClick={() => {
                setKeyring([]);
                go('sign-in');
              }}
            >
              {t.signOut}
            </button>
          </>
        ) : null}
      </header>
      {signingIn ? null : <AlertsBanner keyring={keyring} route={route} />}
      {signingIn ? (
        <SignIn
          keyring={keyring}
          onAdd={(e) => {
            setKeyring((k) => [...k, e]);
          }}
          onRemove={(i) => setKeyring((k) => k.filter((_, j) => j !== i))}
          onContinue={() => allowed[0] && go(allowed[0].path)}
        />
      ) : !page ? (
        <main id="main" tabIndex={-1}>
          <section class="card">
            <h2>{t.notFound}</h2>
            <p>{fill(t.notFoundText, { route })}</p>
          </section>
        </main>
      ) : !page.allowed(keyring) ? (
        <main id="main" tabIndex={-1}>
          <section class="card">
            <h2>{page.title[lang]}</h2>
            <div class="alert error" role="alert">
              {fill(t.notAllowed, { needs: page.needs[lang] })} <a href="#/sign-in">{t.addToken}</a>.
            </div>
          </section>
        </main>
      ) : (
        <main id="main" tabIndex={-1} data-page={page.path}>
          <h2 class="page-title">{page.title[lang]}</h2>
          {page.render({ keyring, learnScope })}
        </main>
      )}
    </>
  );
}
