/**
 * `opencal gate …`: the front ends of the session host's gate.
 * - `gate credential create|list|revoke`: the credentials of gate front ends (nginx, the PAM gate, the device
 *   client, an embedding application), made by the session host admin (`sh:admin`). Only a connection that
 *   carries one takes a seat (docs/session-host.md "Gate front ends").
 * - `gate pam`: the PAM gate, run by `pam_exec.so` for each login (docs/pam.md). Its action imports only what
 *   one login needs (src/cli/gate-pam.ts): a login is one process start.
 */
import type { Command } from 'commander';
import type { CliContext } from './io';
import { call, clientAction, clientCommand, table, type Opts, type Target } from './request';

interface Credential {
  id: string;
  label?: string;
  createdAt: string;
  revokedAt?: string;
}

function createCredential(target: Target, o: Opts) {
  return call<Credential & { token: string }>(target, 'POST', '/sh/v1/gate-credentials', { label: String(o['label']) });
}

export function gateCommands(program: Command, ctx: CliContext): void {
  const gate = program.command('gate').description("front ends of the session host's gate: their credentials, and the PAM gate for Linux logins");
  const credential = gate.command('credential').description('credentials of gate front ends (nginx, PAM, device client): only their connections take a seat');

  clientCommand(credential.command('create').description('make a gate front-end credential; the token is shown once'), [
    'opencal gate credential create --label "web01 nginx"',
    'opencal gate credential create --label "rdsh01 pam" --json | jq -r .token > /etc/opencal/gate-credential',
  ])
    .requiredOption('--label <label>', 'which front end it is for (shown in lists and events)')
    .action(
      clientAction(ctx, createCredential, (v) =>
        [`gate credential ${v.id} (${v.label ?? ''}) made. Its token, shown only now:`, v.token, 'Keep it in a file readable by root only (chmod 600).'].join('\n'),
      ),
    );

  clientCommand(credential.command('list').description('the gate front-end credentials (never their tokens)'), 'opencal gate credential list --all')
    .option('--all', 'include revoked credentials')
    .action(
      clientAction(
        ctx,
        (target, o: Opts) => call<{ credentials: Credential[] }>(target, 'GET', `/sh/v1/gate-credentials${o['all'] === true ? '?all=true' : ''}`),
        (v) =>
          v.credentials.length === 0
            ? 'No gate front-end credential. Make one with: opencal gate credential create --label <front end>'
            : table(['id', 'label', 'created', 'revoked'], v.credentials.map((c) => [c.id, c.label, c.createdAt, c.revokedAt])),
      ),
    );

  clientCommand(credential.command('revoke').description('revoke a gate front-end credential: its front end gets no seat any more').argument('<id>', 'credential id'), 'opencal gate credential revoke 3')
    .action(
      clientAction(
        ctx,
        (target, _o: Opts, id: string) => call<{ id: string }>(target, 'DELETE', `/sh/v1/gate-credentials/${encodeURIComponent(id)}`),
        (v) => `gate credential ${v.id} revoked.`,
      ),
    );

  gate
    .command('pam')
    .description('for pam_exec.so in the account phase: admit (exit 0) or refuse a login with a CAL from the session host (docs/pam.md)')
    .option('--pam-config <file>', 'the PAM gate configuration (JSON)', '/etc/opencal/pam.json')
    .option('--report-only', 'admit every login, and log the refusals that would have happened')
    .addHelpText(
      'after',
      [
        '',
        'Example:',
        '  opencal gate pam --pam-config /etc/opencal/pam.json --report-only',
        '',
        'It is run by pam_exec.so; in /etc/pam.d/sshd, after the other account lines (docs/pam.md):',
        '  account required pam_exec.so stdout quiet /usr/bin/node /opt/opencal/bin/opencal.mjs gate pam --pam-config /etc/opencal/pam.json',
        '',
      ].join('\n'),
    )
    .action(
      ctx.action(async (o: { pamConfig: string; reportOnly?: boolean }) => {
        const { runPamGate } = await import('./gate-pam');
        const decision = await runPamGate({ configFile: o.pamConfig, reportOnly: o.reportOnly === true, env: ctx.io.env, now: () => new Date() });
        if (decision.stdout) ctx.io.stdout.write(`${decision.stdout}\n`);
        // Under pam_exec's `stdout` option stderr reaches the person logging in too: the line goes to the log file.
        if (!decision.logged) ctx.io.stderr.write(`opencal gate pam: ${decision.log}\n`);
        return decision.exitCode;
      }),
    );
}
