import fs from 'node:fs';

/*
 * The data directory holds captured traffic, token hashes and the log key: only the server's user may read it.
 * The directory is created 0700 and its files 0600 whatever the umask; ones left wider by an older version or a
 * copy are narrowed at start. SQLite creates the -wal and -shm files with the database file's mode.
 */

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** narrows `p` to `mode` when others may read it; a warning, not a failure, when we are not its owner (a mounted volume) */
function narrow(p: string, mode: number): void {
  if (process.platform === 'win32') return;
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if ((st.mode & 0o777 & ~mode) === 0) return;
  try {
    fs.chmodSync(p, mode);
  } catch (e) {
    process.stderr.write(`warning: ${p} is readable by other users (mode ${(st.mode & 0o777).toString(8)}) and cannot be narrowed: ${(e as Error).message}\n`);
  }
}

/** Creates the directory (and missing parents) 0700, or narrows an existing one to 0700. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  narrow(dir, DIR_MODE);
}

/** Creates the file empty with mode 0600 when absent (before a library opens it with its own mode), or narrows it. */
export function ensurePrivateFile(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, 'wx', FILE_MODE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  narrow(file, FILE_MODE);
}

/** Narrows these files to 0600 where they exist (e.g. the -wal and -shm of a database created before). */
export function narrowFiles(files: string[]): void {
  for (const f of files) narrow(f, FILE_MODE);
}
