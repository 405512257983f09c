/**
 * `opencal ch tokens list|revoke`, `opencal licmgr tokens list|revoke` and `opencal ch hosts list|retire`:
 * every token can be listed (never its secret) and revoked (DESIGN §4), and an organization's registered
 * session hosts listed and retired. Thin shells over the HTTP API, with --json.
 */
import type { Command } from 'commander';
import type { RegisteredHostList, TokenList, TokenView } from '../core/wire/clearinghouse';
import type { CliContext } from './io';
import { call, clientAction, clientCommand, table, type Opts } from './request';

/** `<group> tokens list|revoke` for a component whose API has `<prefix>/tokens`. */
export function tokenCommands(group: Command, ctx: CliContext, prefix: '/ch/v1' | '/ls/v1', example: string): void {
  const tokens = group.command('tokens').description('API tokens: list them (never their secret) and revoke them');
  clientCommand(tokens.command('list').description('live tokens: id, kind (scope, or join), subject, label; --all adds revoked ones'), `opencal ${example} tokens list --all`)
    .option('--all', 'include revoked tokens')
    .action(
      clientAction(
        ctx,
        (target, o: Opts) => call<TokenList>(target, 'GET', `${prefix}/tokens${o['all'] === true ? '?revoked=true' : ''}`),
        (v) =>
          v.tokens.length === 0
            ? 'No token.'
            : table(['id', 'kind', 'subject', 'label', 'created', 'revoked'], v.tokens.map((t) => [t.id, t.kind, t.subject, t.label, t.createdAt, t.revokedAt])),
      ),
    );
  clientCommand(tokens.command('revoke').description('revoke a token (or withdraw an unused join token): it is refused from now on').argument('<id>', 'token id, from tokens list'), `opencal ${example} tokens revoke 7`).action(
    clientAction(
      ctx,
      (target, _o: Opts, id: string) => call<TokenView>(target, 'DELETE', `${prefix}/tokens/${encodeURIComponent(id)}`),
      (v) => `token ${v.id} (${v.kind}${v.subject ? ` ${v.subject}` : ''}) revoked.`,
    ),
  );
}

/** `ch hosts list|retire`: the organization's host registry. */
export function hostRegistryCommands(ch: Command, ctx: CliContext): void {
  const hosts = ch.command('hosts').description("session hosts registered with an organization (the equivalent of the \"Terminal Server License Servers\" group)");
  clientCommand(hosts.command('list').description('registered session hosts: host ID, name, organization; --all adds retired keys'), 'opencal ch hosts list --all')
    .option('--all', 'include retired keys')
    .action(
      clientAction(
        ctx,
        (target, o: Opts) => call<RegisteredHostList>(target, 'GET', `/ch/v1/hosts${o['all'] === true ? '?retired=true' : ''}`),
        (v) =>
          v.hosts.length === 0
            ? 'No session host is registered.'
            : table(['host ID', 'name', 'org', 'registered', 'by', 'retired'], v.hosts.map((h) => [h.hostId, h.name, h.orgId, h.registeredAt, h.registeredBy, h.retiredAt])),
      ),
    );
  clientCommand(hosts.command('retire').description("retire a session host's key: license servers of its organization stop recognising it").argument('<hostId>', 'host ID, from hosts list'), 'opencal ch hosts retire sh-AbC…').action(
    clientAction(
      ctx,
      (target, _o: Opts, hostId: string) => call<{ hostId: string; name: string }>(target, 'DELETE', `/ch/v1/hosts/${encodeURIComponent(hostId)}`),
      (v) => `session host ${v.name} (${v.hostId}) retired.`,
    ),
  );
}
