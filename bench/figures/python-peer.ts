import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../src-main/core/util/package-root.js';

/**
 * Debian's interpreter, where `npm run bench:setup` installs torch, torchvision, scikit-learn and
 * scikit-image; a pyenv or virtualenv `python3` earlier on PATH usually has none of them.
 * PEER_PYTHON overrides it.
 */
export const PEER_PYTHON = process.env.PEER_PYTHON || '/usr/bin/python3';

export type PeerModules = Record<string, string | null>;

/**
 * The long-lived Python peer (bench/reference/peer_server.py): requests go out as JSON lines and
 * answers come back in order, so SonoTL and peer rounds can alternate without process start-up.
 */
export class PythonPeer {
  private readonly pending: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  private nextId = 0;
  private exited: string | null = null;
  modules: PeerModules = {};

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const waiter = this.pending.shift();
      if (!waiter) return;
      const answer = JSON.parse(line) as { ok: boolean; result?: unknown; error?: string };
      if (answer.ok) waiter.resolve(answer.result);
      else waiter.reject(new Error(answer.error ?? 'peer failed'));
    });
    // Tracebacks go to stderr; keep the last lines for the error message of a crash.
    let tail = '';
    child.stderr.on('data', (d: Buffer) => {
      tail = (tail + d.toString()).slice(-2000);
    });
    child.on('exit', (code, signal) => {
      this.exited = `python peer exited (${signal ?? code}): ${tail.trim().split('\n').slice(-3).join(' | ')}`;
      for (const w of this.pending.splice(0)) w.reject(new Error(this.exited));
    });
  }

  /** Starts the peer with `threads` for torch/BLAS, or returns null (with the reason) when Python is absent. */
  static async start(threads: number): Promise<{ peer: PythonPeer | null; reason: string | null }> {
    if (!existsSync(PEER_PYTHON)) return { peer: null, reason: `${PEER_PYTHON} not found (npm run bench:setup)` };
    const n = String(threads);
    const child = spawn(PEER_PYTHON, [join(packageRoot(), 'bench', 'reference', 'peer_server.py')], {
      env: { ...process.env, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const peer = new PythonPeer(child);
    try {
      const hello = (await peer.request('hello')) as { modules: PeerModules };
      peer.modules = hello.modules;
      if (hello.modules.torch) await peer.request('threads', { threads });
      return { peer, reason: null };
    } catch (e) {
      peer.close();
      return { peer: null, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  has(module: string): boolean {
    return typeof this.modules[module] === 'string';
  }

  version(module: string): string {
    return this.modules[module] ?? 'missing';
  }

  request<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(JSON.stringify({ id: this.nextId++, op, ...args }) + '\n');
    });
  }

  async setThreads(threads: number): Promise<void> {
    if (this.has('torch')) await this.request('threads', { threads });
  }

  close(): void {
    if (!this.exited) this.child.stdin.end();
  }
}
