/**
 * Proof that an import reads and writes only where it may. Two independent checks:
 *
 * 1. A tracer wraps the node:fs functions the core uses and records every path they are given. Node's
 *    ESM named exports of builtins are live bindings that `syncBuiltinESMExports()` updates, so the
 *    core's `import { readFileSync } from 'node:fs'` goes through the wrapper too. Each traced path must
 *    lie inside an allowed root after resolving symbolic links (lstat, which does not follow links, is
 *    judged by the link's own location).
 * 2. A sentinel folder beside the import folder holds files with a unique marker; its contents and
 *    mtimes are snapshotted before and compared after, and the marker must never appear in the project.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { dirname, join, basename, resolve, sep } from 'node:path';

type Op = 'read' | 'write' | 'lstat';

interface TracedCall {
  op: Op;
  fn: string;
  path: string;
}

const READS = ['readFileSync', 'openSync', 'statSync', 'readdirSync', 'existsSync', 'realpathSync', 'readlinkSync', 'accessSync', 'createReadStream', 'opendirSync'];
const WRITES = ['writeFileSync', 'appendFileSync', 'mkdirSync', 'renameSync', 'unlinkSync', 'rmSync', 'rmdirSync', 'copyFileSync', 'symlinkSync', 'linkSync', 'truncateSync', 'chmodSync', 'utimesSync', 'createWriteStream'];
const PROMISE_READS = ['readFile', 'open', 'stat', 'readdir', 'access', 'realpath', 'opendir'];
const PROMISE_WRITES = ['writeFile', 'appendFile', 'mkdir', 'rename', 'unlink', 'rm', 'rmdir', 'copyFile', 'symlink', 'truncate'];

export class FsTracer {
  private calls: TracedCall[] = [];
  private restore: Array<() => void> = [];

  install(): void {
    const wrap = (target: Record<string, unknown>, name: string, op: Op, label: string): void => {
      const original = target[name];
      if (typeof original !== 'function') return;
      const calls = this.calls;
      const wrapper = function (this: unknown, ...args: unknown[]) {
        for (const [i, a] of args.entries()) {
          // Path arguments: the first for every function here, and the second for rename/copy/link.
          if (i > 1) break;
          if (i === 1 && !/rename|copy|link/i.test(name)) break;
          if (typeof a === 'string' || a instanceof URL || Buffer.isBuffer(a)) {
            calls.push({ op: i === 1 && /symlink/i.test(name) ? 'write' : op, fn: label, path: a instanceof URL ? a.pathname : a.toString() });
          }
        }
        return (original as (...x: unknown[]) => unknown).apply(this, args);
      };
      Object.assign(wrapper, original); // keeps realpathSync.native and the like
      target[name] = wrapper;
      this.restore.push(() => {
        target[name] = original;
      });
    };
    const f = fs as unknown as Record<string, unknown>;
    for (const n of READS) wrap(f, n, 'read', n);
    for (const n of WRITES) wrap(f, n, 'write', n);
    wrap(f, 'lstatSync', 'lstat', 'lstatSync');
    const p = fs.promises as unknown as Record<string, unknown>;
    for (const n of PROMISE_READS) wrap(p, n, 'read', `promises.${n}`);
    for (const n of PROMISE_WRITES) wrap(p, n, 'write', `promises.${n}`);
    wrap(p, 'lstat', 'lstat', 'promises.lstat');
    syncBuiltinESMExports();
  }

  uninstall(): void {
    for (const r of this.restore.reverse()) r();
    this.restore = [];
    syncBuiltinESMExports();
  }

  /** Forgets the calls so far (between cases). */
  reset(): void {
    this.calls.length = 0;
  }

  /**
   * Calls that reached outside the allowed roots: reads (which follow links) judged by the real path,
   * lstat by the path itself. `writeRoots` are the only places writes may go.
   */
  violations(readRoots: readonly string[], writeRoots: readonly string[]): string[] {
    const realRoots = (roots: readonly string[]) => roots.map((r) => realOrSelf(r));
    const reads = realRoots(readRoots);
    const writes = realRoots(writeRoots);
    const out: string[] = [];
    // Resolving paths calls fs itself; take a copy so those calls are not traced into the list we walk.
    for (const c of [...this.calls]) {
      const abs = resolve(c.path);
      if (c.op === 'lstat') {
        if (!inside(join(realOrSelf(dirname(abs)), basename(abs)), reads)) out.push(`${c.fn}(${c.path})`);
      } else if (c.op === 'read') {
        if (!inside(realOrSelf(abs), reads)) out.push(`${c.fn}(${c.path}) -> ${realOrSelf(abs)}`);
      } else {
        // A write through a link would land at its target; judge the target when there is one.
        if (!inside(realOrSelf(abs), writes)) out.push(`${c.fn}(${c.path}) writes outside the project`);
      }
    }
    return out;
  }
}

/** The real path, or for a path that does not exist (yet), its real parent plus its name. */
function realOrSelf(p: string): string {
  const native = fs.realpathSync.native as (p: string) => string;
  try {
    return native(p);
  } catch {
    const parent = dirname(p);
    if (parent === p) return p;
    return join(realOrSelf(parent), basename(p));
  }
}

function inside(p: string, roots: readonly string[]): boolean {
  return roots.some((r) => p === r || p.startsWith(r.endsWith(sep) ? r : r + sep));
}

/** Every file below a folder with its bytes and mtime, for before/after comparison. */
export function snapshotFolder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d)) {
      const p = join(d, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(p, `${st.mtimeMs}:${st.size}:${st.isFile() ? fs.readFileSync(p).toString('base64') : fs.readlinkSync(p)}`);
    }
  };
  walk(dir);
  return out;
}
