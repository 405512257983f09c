import { alertsCommands } from './alerts';
import { chCommands } from './ch';
import { clockCommands } from './clock';
import { codeCommands } from './code';
import { configCommands } from './config-command';
import { deviceCommands } from './device';
import { diagnoseCommands } from './diagnose';
import { gateCommands } from './gate';
import { hostCommands } from './host';
import { licmgrCommands } from './licmgr';
import { portalCommands } from './portal';
import type { CommandGroup } from './io';
import { serveCommand } from './serve';

/**
 * The command groups of `opencal`, in help order. Each group lives in its own file in src/cli;
 * add yours with one import and one line here.
 */
export const commandGroups: readonly CommandGroup[] = [
  serveCommand,
  configCommands,
  chCommands,
  portalCommands,
  licmgrCommands,
  hostCommands,
  deviceCommands,
  gateCommands,
  diagnoseCommands,
  alertsCommands,
  codeCommands,
  clockCommands,
];
