export type SaveKind = 'create' | 'update' | 'delete';
export interface SaveOp {
  kind: SaveKind;
  /** The box the operation is about (the UI's key, stable before and after the box has a server id). */
  key: number;
}
export type SaveStatus = 'saved' | 'saving' | 'failed';

/**
 * Sends box edits to the backend one at a time, in order, so that a box's create has its id before
 * its update or delete goes out. Operations read the box's latest state when they are sent, which lets
 * edits that pile up behind a slow or failed save collapse into one request. A failure stops the queue
 * with the failed operation still at its head (the edit stays on screen, unsaved); `retry` or any new
 * edit sends it again.
 */
export class SaveQueue {
  private ops: SaveOp[] = [];
  private inFlight: SaveOp | null = null;
  private running = false;
  private waiters: Array<(drained: boolean) => void> = [];
  status: SaveStatus = 'saved';
  error: unknown = null;

  constructor(
    private readonly send: (op: SaveOp) => Promise<void>,
    private readonly changed: () => void = () => undefined,
  ) {}

  push(op: SaveOp): void {
    const waiting = this.ops.filter((o) => o !== this.inFlight && o.key === op.key);
    if (op.kind === 'update' && waiting.some((o) => o.kind === 'create' || o.kind === 'update')) {
      // A queued create or update for this box will send its latest state anyway.
      this.kick();
      return;
    }
    if (op.kind === 'delete' && waiting.length > 0) {
      this.ops = this.ops.filter((o) => !waiting.includes(o));
      // The box never reached the server: there is nothing to delete there.
      if (waiting.some((o) => o.kind === 'create')) {
        this.settleIfEmpty();
        return;
      }
    }
    this.ops.push(op);
    this.kick();
  }

  retry(): void {
    this.kick();
  }

  /** Forgets every unsent edit (the caller reloads what the server has). */
  discard(): void {
    if (this.running) return;
    this.ops = [];
    this.status = 'saved';
    this.error = null;
    this.settle(true);
    this.changed();
  }

  /** Keys of boxes with edits not yet confirmed by the server. */
  pendingKeys(): Set<number> {
    return new Set(this.ops.map((o) => o.key));
  }

  get pending(): number {
    return this.ops.length;
  }

  /** Resolves true once everything is saved, false if a save failed first (or already has). */
  idle(): Promise<boolean> {
    if (this.ops.length === 0 && !this.running) return Promise.resolve(true);
    if (this.status === 'failed' && !this.running) return Promise.resolve(false);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private settle(drained: boolean): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(drained);
  }

  private settleIfEmpty(): void {
    if (this.ops.length === 0 && !this.running) {
      this.status = 'saved';
      this.error = null;
      this.settle(true);
    }
    this.changed();
  }

  private kick(): void {
    if (this.running || this.ops.length === 0) {
      this.changed();
      return;
    }
    void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    this.status = 'saving';
    this.error = null;
    this.changed();
    while (this.ops.length > 0) {
      const op = this.ops[0];
      this.inFlight = op;
      try {
        await this.send(op);
      } catch (e) {
        this.inFlight = null;
        this.running = false;
        this.status = 'failed';
        this.error = e;
        this.settle(false);
        this.changed();
        return;
      }
      this.inFlight = null;
      this.ops.shift();
      this.changed();
    }
    this.running = false;
    this.status = 'saved';
    this.settle(true);
    this.changed();
  }
}
