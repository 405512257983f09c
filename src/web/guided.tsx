/**
 * The guided recovery's shared pieces: the words of the links to each console form, the link that carries what the
 * page knows to the next form, and the words that say what a destructive action loses.
 */
import type { ComponentChildren } from 'preact';
import { PAGES } from './app';
import type { KeyringEntry } from './api';
import { carry, focusWhenShown, type CarryKind, type CarrySource } from './carry';
import { LINK_TARGETS, type LinkTarget } from './diagnosis';
import { defineTexts, fill, useLang } from './i18n';

/** The words of the links to the forms that do a fix. */
export const LINKS = defineTexts<LinkTarget | 'doItHere' | 'needs' | 'next'>({
  en: {
    doItHere: 'Do it here',
    next: 'Next step:',
    needs: 'needs a token this console is not signed in with',
    'ls-activation': 'Activate the license server',
    'ls-install': 'Install the key pack',
    'ls-migration-code': 'Make the migration code',
    'ls-hosts': 'Make a join token for the session host',
    'ls-rebuild': 'Rebuild the license database',
    'ls-deactivate': 'Deactivate the license server',
    'ls-issued': 'See the issued licenses',
    'ls-events': 'Read the license server’s events',
    'portal-install': 'Install the pack on the portal',
    'portal-migrate': 'Migrate the pack on the portal',
    'agent-case': 'Approve the case at the agent desk',
    'phone-script': 'Read the phone script',
    'sh-enroll': 'Enrol the session host',
    'sh-configure': 'Set the licensing mode and the license server list',
    'sh-test-device': 'Connect a test device',
    'sh-licensing': 'See the session host’s licensing',
    'sh-events': 'Read the session host’s events',
    'sign-in': 'Add a token',
  },
  fr: {
    doItHere: 'Le faire ici',
    next: 'Étape suivante :',
    needs: 'demande un jeton avec lequel cette console n’est pas connectée',
    'ls-activation': 'Activer le serveur de licences',
    'ls-install': 'Installer le pack de licences',
    'ls-migration-code': 'Générer le code de migration',
    'ls-hosts': 'Créer un jeton d’inscription pour l’hôte de session',
    'ls-rebuild': 'Reconstruire la base de licences',
    'ls-deactivate': 'Désactiver le serveur de licences',
    'ls-issued': 'Voir les licences émises',
    'ls-events': 'Lire les événements du serveur de licences',
    'portal-install': 'Installer le pack sur le portail',
    'portal-migrate': 'Migrer le pack sur le portail',
    'agent-case': 'Approuver le dossier au guichet des agents',
    'phone-script': 'Lire le script d’appel',
    'sh-enroll': 'Inscrire l’hôte de session',
    'sh-configure': 'Régler le mode de licence et la liste des serveurs de licences',
    'sh-test-device': 'Connecter un périphérique de test',
    'sh-licensing': 'Voir les licences de l’hôte de session',
    'sh-events': 'Lire les événements de l’hôte de session',
    'sign-in': 'Ajouter un jeton',
  },
});


/**
 * A link to the next form of the recovery from the page that produced a value (the migration code → the portal):
 * the value is already carried; the link moves there and puts the focus on the form.
 */
export function NextStep(props: { target: LinkTarget; keyring: KeyringEntry[]; carry?: Partial<Record<CarryKind, string>>; from?: CarrySource; children?: ComponentChildren }) {
  const lang = useLang();
  const t = LINKS[lang];
  const def = LINK_TARGETS[props.target];
  const page = PAGES.find((p) => p.path === def.page);
  if (page && !page.allowed(props.keyring)) return null;
  return (
    <div class="next-step">
      {t.next}{' '}
      <a
        class="form-link"
        href={def.hash}
        data-form={props.target}
        onClick={() => {
          if (props.carry && props.from) carry(props.carry, props.from);
          focusWhenShown(def.selector(props.carry ?? {}));
        }}
      >
        {t[props.target]}
      </a>
      {props.children}
    </div>
  );
}

/** What each destructive action loses, said before it is confirmed. */
export const LOSS = defineTexts({
  en: {
    revoke: 'Device {device} loses its permanent CAL; it will get a temporary one on its next connection. The revoked CAL counts against this version’s revoke budget until it would have expired.',
    confirmRevoke: 'Confirm revoke',
    deactivate:
      'This license server gives back its {packs} key packs ({cals} CALs) and its activation: from now on it issues only temporary CALs, and devices lose their permanent CALs as these expire. Keep the deactivation receipt it shows.',
    confirmDeactivate: 'Confirm deactivation',
    rebuild: 'The rebuild deletes {packs} key packs ({cals} CALs), every issued license and the activation of this license server.',
    tokenRevoke: 'Token {id} ({kind}, for {who}) is refused from its next use; whoever uses it must be given a new one.',
    confirmTokenRevoke: 'Confirm revoke',
  },
  fr: {
    revoke:
      'Le périphérique {device} perd sa CAL permanente ; il en recevra une temporaire à sa prochaine connexion. La CAL révoquée compte dans le quota de révocation de cette version jusqu’à sa date d’expiration.',
    confirmRevoke: 'Confirmer la révocation',
    deactivate:
      'Ce serveur de licences rend ses {packs} packs de licences ({cals} CALs) et son activation : il n’émet plus que des CALs temporaires, et les périphériques perdent leurs CALs permanentes à leur expiration. Gardez le reçu de désactivation qu’il affiche.',
    confirmDeactivate: 'Confirmer la désactivation',
    rebuild: 'La reconstruction efface {packs} packs de licences ({cals} CALs), toutes les licences émises et l’activation de ce serveur de licences.',
    tokenRevoke: 'Le jeton {id} ({kind}, pour {who}) est refusé dès sa prochaine utilisation ; il faudra en donner un nouveau à qui s’en sert.',
    confirmTokenRevoke: 'Confirmer la révocation',
  },
});

/** A loss text in the console's language, filled in. */
export function useLoss(): (key: keyof (typeof LOSS)['en'], values: Record<string, string | number>) => string {
  const lang = useLang();
  return (key, values) => fill(LOSS[lang][key], values);
}
