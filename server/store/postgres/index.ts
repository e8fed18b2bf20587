/** The PostgreSQL store, for several server replicas on one database. */
export { PgStore, type PgStoreOptions } from './store';
