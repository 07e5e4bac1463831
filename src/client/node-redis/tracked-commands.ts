/** A command that can be on the list: its neighbours there. */
export interface Linked<T> {
  prev: T | undefined;
  next: T | undefined;
}

/**
 * The tracked commands (pipelines, MULTI, blocking commands, replays), oldest first: a list threaded
 * through the commands themselves, so that tracking one costs a few field writes.
 */
export class TrackedCommands<T extends Linked<T>> {
  private head: T | undefined = undefined;
  private tail: T | undefined = undefined;

  link(g: T): void {
    g.prev = this.tail;
    g.next = undefined;
    if (this.tail) this.tail.next = g;
    else this.head = g;
    this.tail = g;
  }

  unlink(g: T): void {
    const { prev, next } = g;
    if (prev === undefined && this.head !== g) return; // not in the list (settled or timed out already)
    if (prev) prev.next = next;
    else this.head = next;
    if (next) next.prev = prev;
    else this.tail = prev;
    g.prev = g.next = undefined;
  }

  /** A snapshot, so that a command may settle (and leave the list) while the caller goes through it. */
  snapshot(): T[] {
    const all: T[] = [];
    for (let g = this.head; g; g = g.next) all.push(g);
    return all;
  }

  count(): number {
    let n = 0;
    for (let g = this.head; g; g = g.next) n++;
    return n;
  }
}
