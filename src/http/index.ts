export { buildServer, COMPONENT_PREFIXES, type BuildServerDeps, type ComponentModule, type ComponentName, type ComponentPrefix, type TypedApp } from './server';
export { requireScope, principalOf, recordAuthFailure, refuseIfTooManyAuthFailures, SCOPES, type Principal, type Scope, type TokenStore } from './auth';
export { ErrorBody, errorBody, errorResponses, sendRefusal } from './errors';
export { statusForCode, statusTable } from './status-table';
export { createMetricsRegistry, counter, metricOnce } from './metrics';
export { callJson, type CallOptions } from './client';
