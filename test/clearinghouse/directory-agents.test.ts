/**
 * The clearinghouse administrator's directory of agents: created with a token shown once, listed without it,
 * and an agent's token revoked from the token list is refused from then on.
 */
import { beforeEach, expect, it } from 'vitest';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import { describeEachDatabase } from '../helpers/databases';
import { startClearinghouse, type Harness } from './fixtures';

describeEachDatabase('clearinghouse agents directory', (tdb) => {
  let h: Harness;

  beforeEach(async () => {
    h = await startClearinghouse(await tdb.open(clearinghouseMigrations));
  });

  const createAgent = async (name: string) => {
    const r = await h.call('POST', '/agents', { name }, h.adminToken);
    expect(r.status).toBe(200);
    return r.body as { agentId: string; token: string };
  };

  it('the administrator lists the agents it created, oldest first, by id and name and never with their token', async () => {
    const first = await createAgent('Desk 1');
    h.clock.advance(60_000);
    const second = await createAgent('Desk 2');

    const r = await h.call('GET', '/agents', undefined, h.adminToken);

    expect(r.status).toBe(200);
    expect(r.body.agents.map((a: { id: string; name: string }) => [a.id, a.name])).toEqual([
      [first.agentId, 'Desk 1'],
      [second.agentId, 'Desk 2'],
    ]);
    expect(JSON.stringify(r.body)).not.toContain(first.token);
    expect(JSON.stringify(r.body)).not.toContain(second.token);
  });

  it('an agent or an organization asking for the agents is refused with FORBIDDEN_SCOPE', async () => {
    const agent = await createAgent('Desk 1');
    const org = await h.call('POST', '/orgs', { name: 'Contoso' }, h.adminToken);

    expect(await h.call('GET', '/agents', undefined, agent.token)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN_SCOPE' } } });
    expect(await h.call('GET', '/agents', undefined, org.body.token)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN_SCOPE' } } });
  });

  it("an agent's token revoked by the administrator is refused from then on, and the agent stays listed", async () => {
    const agent = await createAgent('Desk 1');
    const tokens = await h.call('GET', '/tokens', undefined, h.adminToken);
    const token = (tokens.body.tokens as { id: string; kind: string; subject?: string }[]).find((t) => t.kind === 'ch:agent' && t.subject === agent.agentId);
    expect(token).toBeDefined();
    expect((await h.call('GET', '/cases', undefined, agent.token)).status).toBe(200);

    const revoked = await h.app.inject({ method: 'DELETE', url: `/ch/v1/tokens/${token!.id}`, headers: { authorization: `Bearer ${h.adminToken}` } });

    expect(revoked.statusCode).toBe(200);
    expect(await h.call('GET', '/cases', undefined, agent.token)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect((await h.call('GET', '/agents', undefined, h.adminToken)).body.agents.map((a: { id: string }) => a.id)).toEqual([agent.agentId]);
  });
});
