import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { CLI, ROOT, assertBuilt } from './paths.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `sonotl` command as a user would, without a terminal. */
export function sonotl(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): CliResult {
  assertBuilt();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function sonotlAsync(args: string[], opts: { cwd?: string } = {}): ChildProcess {
  assertBuilt();
  return spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, FORCE_COLOR: '0' }, stdio: 'pipe' });
}
