/**
 * `opencal alerts`: the active alerts of every component the token reaches on the server (docs/alerts.md) — the
 * clearinghouse's, the license server's and the session host's `GET …/alerts`, each evaluated as it is read.
 */
import type { Command } from 'commander';
import { ok, type Result } from '../core/result';
import type { Lang } from '../core/refusals';
import type { ActiveAlert, AlertList } from '../core/wire/alerts';
import type { CliContext } from './io';
import { call, choice, clientAction, clientCommand, table } from './request';

const PREFIXES = { clearinghouse: '/ch/v1', 'license-server': '/ls/v1', 'session-host': '/sh/v1' } as const;
type AlertComponent = keyof typeof PREFIXES;
const SHORT: Readonly<Record<string, AlertComponent>> = { ch: 'clearinghouse', ls: 'license-server', sh: 'session-host' };

/** What `opencal alerts --json` prints: the alerts, and for each component whether it was read or why not. */
export interface AlertsAnswer {
  alerts: ActiveAlert[];
  components: Partial<Record<AlertComponent, 'read' | string>>;
}

const TEXTS: Record<Lang, { none: string; header: string[]; skipped: string; fix: string }> = {
  en: { none: 'No active alert.', header: ['COMPONENT', 'KIND', 'SUBJECT', 'SINCE'], skipped: 'not read', fix: 'console page:' },
  fr: { none: 'Aucune alerte active.', header: ['COMPOSANT', 'TYPE', 'SUJET', 'DEPUIS'], skipped: 'non lu', fix: 'page de la console :' },
};

export function renderAlerts(answer: AlertsAnswer, lang: Lang): string {
  const t = TEXTS[lang];
  const skipped = Object.entries(answer.components)
    .filter(([, s]) => s !== 'read')
    .map(([c, s]) => `${c}: ${t.skipped} (${s})`);
  if (answer.alerts.length === 0) return [t.none, ...skipped].join('\n');
  const rows = table(t.header, answer.alerts.map((a) => [a.component, a.kind, a.subject, a.since.slice(0, 16).replace('T', ' ')]));
  const messages = answer.alerts.map((a) => `- ${a.message[lang]} (${t.fix} ${a.page})`);
  return [rows, '', ...messages, ...skipped].join('\n');
}

export function alertsCommands(program: Command, ctx: CliContext): void {
  clientCommand(
    program
      .command('alerts')
      .description('active alerts of every component the token reaches: grace ending, pack nearly exhausted, certificate or grant expiring, case pending, clone case')
      .addOption(choice('--component <component>', 'read only this component (ch, ls or sh)', ['ch', 'ls', 'sh'])),
    ['opencal alerts', 'opencal alerts --component ls --json'],
  ).action(
    clientAction(
      ctx,
      async (target, options): Promise<Result<AlertsAnswer>> => {
        const only = typeof options['component'] === 'string' ? SHORT[options['component']] : undefined;
        const components = (Object.keys(PREFIXES) as AlertComponent[]).filter((c) => only === undefined || c === only);
        const answers = await Promise.all(components.map(async (c) => [c, await call<AlertList>(target, 'GET', `${PREFIXES[c]}/alerts`)] as const));
        const read = answers.filter(([, r]) => r.ok);
        // Nothing answered: the first refusal says why (no token, a token of no component here, a server without them).
        if (read.length === 0) {
          const first = answers[0]![1];
          if (!first.ok) return first;
        }
        const out: AlertsAnswer = { alerts: [], components: {} };
        for (const [c, r] of answers) {
          if (r.ok) {
            out.alerts.push(...r.value.alerts);
            out.components[c] = 'read';
          } else out.components[c] = r.error.code;
        }
        return ok(out);
      },
      (v) => renderAlerts(v, ctx.io.lang ?? 'en'),
    ),
  );
}
