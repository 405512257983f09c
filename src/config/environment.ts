import type { Environment } from './resolve';

/** The process environment: the only place OpenCAL reads process.env (STYLE.md); pass it on as a value. */
export function processEnvironment(): Environment {
  return process.env;
}
