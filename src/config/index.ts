export { configSchema, CONFIG_FILE_ENV, CONFIG_FILE_FLAG, type ConfigEntry, type ConfigKey, type ConfigType, type OpenCalConfig } from './schema';
export { configKeys, displayValue, resolveConfig, type ConfigInputs, type ConfigSource, type Environment, type ResolvedConfig } from './resolve';
export { renderConfigHelp } from './help';
export { processEnvironment } from './environment';
