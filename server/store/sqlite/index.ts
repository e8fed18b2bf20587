/** The embedded SQLite store (the default): one database file in the data directory. */
export { SqliteStore, WAITING_KEY_ID } from './store';
export { SCHEMA_VERSION } from './schema';
