/**
 * A page fetched when it is first shown: its code (and what only it uses, e.g. the charts) stays out of the bundle
 * every visit loads. Until it is there, the page's place says it is loading.
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLang } from './i18n';

export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  return function LazyPage(props: P) {
    const lang = useLang();
    const [Page, setPage] = useState<ComponentType<P> | undefined>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (Page) return;
      let live = true;
      (loading ??= load().then((c) => (loaded = c)))
        .then((c) => live && setPage(() => c))
        .catch(() => {
          loading = undefined;
          if (live) setFailed(true);
        });
      return () => {
        live = false;
      };
    }, []);
    if (Page) return <Page {...props} />;
    if (failed) {
      return (
        <div class="alert error" role="alert">
          {lang === 'fr' ? 'Cette page n’a pas pu être chargée depuis le serveur. Rechargez la page.' : 'This page could not be loaded from the server. Reload the page.'}
        </div>
      );
    }
    return <p class="hint" role="status">{lang === 'fr' ? 'Chargement…' : 'Loading…'}</p>;
  };
}
