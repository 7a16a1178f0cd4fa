import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { UserError } from "../input/user-error.js";

/** What a lock file holds: who writes the results file, since when. */
export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

/** The lock file of a results file. */
export function lockPath(outPath: string): string {
  return `${outPath}.lock`;
}

/** A held lock on a results file; `release` removes it (only if it is still ours). */
export interface ResultsLock {
  path: string;
  owner: LockOwner;
  /** Set when a stale lock (a finished process on this host) was taken over. */
  tookOver?: LockOwner;
  release(): void;
}

/**
 * Takes the exclusive lock `<out>.lock` (created atomically with O_EXCL,
 * holding {pid, host, startedAt}), so two processes never write one results
 * file. A lock left by a process of this host that no longer runs is stale
 * and taken over; any other lock is a UserError naming its owner.
 */
export function acquireResultsLock(outPath: string): ResultsLock {
  const path = lockPath(outPath);
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const text = `${JSON.stringify(owner)}\n`;
  let tookOver: LockOwner | undefined;
  try {
    mkdirSync(dirname(outPath), { recursive: true });
  } catch (err) {
    throw lockError(path, err);
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, text)) {
      return {
        path,
        owner,
        ...(tookOver !== undefined ? { tookOver } : {}),
        release: () => releaseLock(path, text),
      };
    }
    let existing: string;
    try {
      existing = readFileSync(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile: try again
      throw lockError(path, err);
    }
    const other = parseOwner(existing);
    if (other === undefined || !isStale(other)) throw new UserError(heldMessage(outPath, path, other));
    // Stale: move it aside atomically, and check that what moved is the stale lock we read, not a fresh one.
    const aside = `${path}.stale.${process.pid}.${Date.now()}`;
    try {
      renameSync(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw lockError(path, err);
    }
    const moved = readFileSync(aside, "utf8");
    if (moved !== existing) {
      // Another process took the stale lock over first: put its lock back (link fails if the path is taken).
      try {
        linkSync(aside, path);
      } catch {
        // someone holds the path again; either way it is not ours
      }
      rmSync(aside, { force: true });
      throw new UserError(heldMessage(outPath, path, parseOwner(moved)));
    }
    rmSync(aside, { force: true });
    tookOver = other;
  }
  throw new UserError(`${outPath}: could not take the lock ${path} (it keeps changing); is another sweep starting?`);
}

function tryCreate(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw lockError(path, err);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function releaseLock(path: string, text: string): void {
  try {
    if (readFileSync(path, "utf8") === text) rmSync(path, { force: true });
  } catch {
    // already gone
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === "number" && typeof o.host === "string") {
      return { pid: o.pid, host: o.host, startedAt: typeof o.startedAt === "string" ? o.startedAt : "?" };
    }
  } catch {
    // not a lock we wrote
  }
  return undefined;
}

/** Stale: written on this host by a process that no longer exists. */
function isStale(owner: LockOwner): boolean {
  if (owner.host !== hostname() || !Number.isSafeInteger(owner.pid) || owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function heldMessage(outPath: string, path: string, owner: LockOwner | undefined): string {
  const who =
    owner === undefined
      ? `an unreadable lock ${path}`
      : `pid ${owner.pid} on ${owner.host} since ${owner.startedAt} (lock ${path})`;
  return `${outPath} is being written by ${who}; wait for it to finish, or remove the lock if that process is gone`;
}

function lockError(path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  return code === undefined ? (err as Error) : new UserError(`${path}: cannot create the lock file: ${code}`);
}

/** One line about a stale lock taken over. */
export function tookOverNote(lock: ResultsLock): string | undefined {
  const o = lock.tookOver;
  return o === undefined
    ? undefined
    : `took over the stale lock ${lock.path} of pid ${o.pid} on ${o.host} (since ${o.startedAt}; no longer running)`;
}
