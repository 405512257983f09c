/** The storage layer's public surface: connection, migrations, dialect quirks and API tokens. */
export * from './database';
export * from './migrations';
export * from './dialect';
export * from './tokens.repository';
