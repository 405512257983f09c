/**
 * The direction inside a component is a lint rule (eslint.config.js "inside-component"): routes → use cases →
 * repositories. Each row lints a small file as if it were at `path`, with the project's own configuration.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function restrictedImports(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('inside a component, routes → use cases → repositories', () => {
  const refused: [string, string, string, RegExp][] = [
    ['a route importing a repository', 'src/license-server/x.routes.ts', "import { getServer } from './license-server.repository';\nvoid getServer;\n", /never a repository/],
    ['a route importing module.ts', 'src/clearinghouse/x.routes.ts', "import type { Clearinghouse } from './module';\nexport type X = Clearinghouse;\n", /never import module\.ts/],
    ['a route importing Kysely', 'src/session-host/x.routes.ts', "import { sql } from 'kysely';\nvoid sql;\n", /runs no SQL/],
    ['a use case importing Kysely', 'src/license-server/x.usecase.ts', "import { sql } from 'kysely';\nvoid sql;\n", /writes no SQL/],
    ['a use case importing the SQL helpers', 'src/session-host/x.usecase.ts', "import { forUpdate } from '../storage/dialect';\nvoid forUpdate;\n", /writes no SQL/],
    ['a use case importing routes', 'src/clearinghouse/x.usecase.ts', "import { clearinghouseRoutes } from './clearinghouse.routes';\nvoid clearinghouseRoutes;\n", /nothing of HTTP routes/],
    ['a repository importing a use case', 'src/license-server/x.repository.ts', "import { revoke } from './issued.usecase';\nvoid revoke;\n", /imports neither/],
    ['a repository importing ports.ts', 'src/session-host/x.repository.ts', "import { sessionHostUseCases } from './ports';\nvoid sessionHostUseCases;\n", /does not import ports/],
  ];
  it.each(refused)('%s is an error', async (_label, path, code, message) => {
    const messages = await restrictedImports(path, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  const allowed: [string, string, string][] = [
    ['a route importing the use cases of ports.ts', 'src/license-server/x.routes.ts', "import type { LicenseServerUseCases } from './ports';\nexport type X = LicenseServerUseCases;\n"],
    ['a use case importing its repository', 'src/license-server/x.usecase.ts', "import { getServer } from './license-server.repository';\nvoid getServer;\n"],
    ['module.ts importing routes and ports', 'src/session-host/module.ts', "import { sessionHostRoutes } from './session-host.routes';\nimport { sessionHostUseCases } from './ports';\nvoid sessionHostRoutes;\nvoid sessionHostUseCases;\n"],
    ['a repository importing Kysely', 'src/clearinghouse/x.repository.ts', "import { sql } from 'kysely';\nvoid sql;\n"],
  ];
  it.each(allowed)('%s is allowed', async (_label, path, code) => {
    expect(await restrictedImports(path, code)).toEqual([]);
  });
});
