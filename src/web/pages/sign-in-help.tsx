/**
 * The sign-in page's help: which token opens which pages, and — on a server in demo mode — where its
 * organization and agent tokens are (the demo data file on the server), without ever showing a secret here.
 */
import type { DemoClock } from '../../core/wire/demo';
import { call } from '../api';
import { useTexts, defineTexts } from '../i18n';
import { useLoad } from '../ui';

const T = defineTexts({
  en: {
    roles:
      'Which token opens which pages: the all-in-one’s administrator token opens the clearinghouse, the license manager, the session host, the diagnoser and the dashboard; the portal needs an organization token, the agent desk an agent token.',
    demo: 'This server runs in demo mode. Its organization token (orgToken) and agent token (agentToken) were printed when it started, and are saved on the server in the file demo.json of its data directory, beside the administrator token in the file admin-token. Open those files on the server and paste each token above, one at a time.',
  },
  fr: {
    roles:
      'Quel jeton ouvre quelles pages : le jeton d’administrateur du serveur tout-en-un ouvre le centre d’échange, le gestionnaire de licences, l’hôte de session, le diagnostic et le tableau de bord ; le portail demande un jeton d’organisation, le guichet des agents un jeton d’agent.',
    demo: 'Ce serveur fonctionne en mode démonstration. Son jeton d’organisation (orgToken) et son jeton d’agent (agentToken) ont été affichés à son démarrage, et sont enregistrés sur le serveur dans le fichier demo.json de son répertoire de données, à côté du jeton d’administrateur dans le fichier admin-token. Ouvrez ces fichiers sur le serveur et collez chaque jeton ci-dessus, un à la fois.',
  },
});

export function SignInHelp() {
  const t = useTexts(T);
  // the demo clock answers only on a server in demo mode
  const demo = useLoad(() => call<DemoClock>('GET', '/demo/clock'));
  return (
    <>
      <p class="hint">{t.roles}</p>
      {demo.data?.now ? (
        <p class="alert pending" data-testid="demo-tokens-help">
          {t.demo}
        </p>
      ) : null}
    </>
  );
}
