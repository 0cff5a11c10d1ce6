// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { SaveQueue, type SaveOp } from './save-queue';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SaveQueue', () => {
  it('sends in order, one at a time, and reports saving then saved', async () => {
    const sent: SaveOp[] = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    const q = new SaveQueue((op) => {
      sent.push(op);
      const d = deferred();
      gates.push(d);
      return d.promise;
    });
    q.push({ kind: 'create', key: -1 });
    q.push({ kind: 'create', key: -2 });
    expect(q.status).toBe('saving');
    expect(sent).toEqual([{ kind: 'create', key: -1 }]);
    gates[0].resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(sent).toHaveLength(2);
    gates[1].resolve();
    expect(await q.idle()).toBe(true);
    expect(q.status).toBe('saved');
  });

  it('folds updates behind a queued create or update into it, and drops a box deleted before it was sent', async () => {
    const sent: SaveOp[] = [];
    const first = deferred();
    const q = new SaveQueue(async (op) => {
      sent.push(op);
      if (sent.length === 1) await first.promise;
    });
    q.push({ kind: 'update', key: 5 });
    q.push({ kind: 'create', key: -1 });
    q.push({ kind: 'update', key: -1 });
    q.push({ kind: 'update', key: -1 });
    q.push({ kind: 'create', key: -2 });
    q.push({ kind: 'delete', key: -2 });
    expect(q.pendingKeys()).toEqual(new Set([5, -1]));
    first.resolve();
    expect(await q.idle()).toBe(true);
    expect(sent).toEqual([
      { kind: 'update', key: 5 },
      { kind: 'create', key: -1 },
    ]);
  });

  it('stops at a failure with the edit still pending, and retry sends it again', async () => {
    let fail = true;
    const sent: SaveOp[] = [];
    const q = new SaveQueue(async (op) => {
      sent.push(op);
      if (fail) throw new Error('disk full');
    });
    q.push({ kind: 'update', key: 3 });
    expect(await q.idle()).toBe(false);
    expect(q.status).toBe('failed');
    expect((q.error as Error).message).toBe('disk full');
    expect(q.pendingKeys()).toEqual(new Set([3]));
    fail = false;
    q.retry();
    expect(await q.idle()).toBe(true);
    expect(q.status).toBe('saved');
    expect(q.error).toBeNull();
    expect(sent).toHaveLength(2);
  });
});
