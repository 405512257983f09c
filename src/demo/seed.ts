/**
 * The example data of `opencal serve --demo` (DESIGN §5 "demo mode"), made through the HTTP API as an
 * administrator would: an organization, an agent, a 10-CAL 2019 per-device pack installed on the activated
 * license server, and the session host enrolled and configured per device.
 */
import { refusal, type Result } from '../core/result';
import { callJson } from '../http/client';
import { StartRefused } from '../http/front-door';

/** What the all-in-one's first start with --demo creates, saved in DIR/demo.json (0600). */
export interface DemoData {
  orgId: string;
  orgToken: string;
  agentToken: string;
  packNumber: number;
  packKey: string;
  program: 'select';
  agreementNumber: string;
  licenseServerId: string;
  sessionHostName: string;
}

export const DEMO_AGREEMENT = '1234567';

async function must<T>(what: string, answer: Promise<Result<T>>): Promise<T> {
  const r = await answer;
  if (!r.ok) throw new StartRefused(refusal('DEMO_SETUP_FAILED', { step: what, cause: r.error.code, reason: r.error.message }));
  return r.value;
}

export async function seedDemo(origin: string, adminToken: string, hostName: string): Promise<DemoData> {
  const org = await must('create the organization', callJson<{ orgId: string; token: string }>(origin, 'POST', '/ch/v1/orgs', { token: adminToken, body: { name: 'Contoso (demo)' } }));
  const agent = await must('create the agent', callJson<{ agentId: string; token: string }>(origin, 'POST', '/ch/v1/agents', { token: adminToken, body: { name: 'Demo agent' } }));
  const pack = await must(
    'create the 10-CAL 2019 per-device pack',
    callJson<{ packNumber: number; packKey: string }>(origin, 'POST', '/ch/v1/packs', {
      token: adminToken,
      body: { orgId: org.orgId, calType: 'device', calVersion: 2019, program: 'select', count: 10, agreementNumber: DEMO_AGREEMENT },
    }),
  );
  await must(
    'activate the license server',
    callJson(origin, 'POST', '/ls/v1/activate', {
      token: adminToken,
      body: { method: 'auto', orgToken: org.token, company: { firstName: 'Demo', lastName: 'Admin', company: 'Contoso (demo)', country: 'FR' } },
    }),
  );
  await must(
    'install the pack on the license server',
    callJson(origin, 'POST', '/ls/v1/key-packs', { token: adminToken, body: { packKey: pack.packKey, agreementNumber: DEMO_AGREEMENT } }),
  );
  const join = await must('make a join token', callJson<{ joinToken: string }>(origin, 'POST', '/ls/v1/hosts', { token: adminToken, body: { name: hostName } }));
  await must('enrol the session host', callJson(origin, 'POST', '/sh/v1/enroll', { token: adminToken, body: { licenseServerUrl: origin, joinToken: join.joinToken } }));
  await must(
    'configure the session host per device',
    callJson(origin, 'PUT', '/sh/v1/config', { token: adminToken, body: { layer: 'local', mode: 'per-device', licenseServers: [origin] } }),
  );
  const identity = await must('read the license server ID', callJson<{ serverId: string }>(origin, 'GET', '/ls/v1/identity'));
  return {
    orgId: org.orgId,
    orgToken: org.token,
    agentToken: agent.token,
    packNumber: pack.packNumber,
    packKey: pack.packKey,
    program: 'select',
    agreementNumber: DEMO_AGREEMENT,
    licenseServerId: identity.serverId,
    sessionHostName: hostName,
  };
}
