/**
 * A small typed event emitter for the stack's engines (DESIGN.md rule 3: engines are classes
 * with typed events). Portable: no dependency on Node's `events`.
 */

/** Maps event names to listener argument tuples. */
export type EventMap = Record<string, unknown[]>;

/** A listener of event `K`. */
export type Listener<E extends EventMap, K extends keyof E> = (...args: E[K]) => void;

/** Typed publish/subscribe. A listener that throws does not stop the others; the error is re-thrown afterwards. */
export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<(...args: unknown[]) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: Listener<E, K>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as unknown as (...args: unknown[]) => void);
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs once. */
  once<K extends keyof E>(event: K, listener: Listener<E, K>): () => void {
    const off = this.on(event, ((...args: E[K]) => {
      off();
      listener(...args);
    }) as Listener<E, K>);
    return off;
  }

  /** Removes a listener. */
  off<K extends keyof E>(event: K, listener: Listener<E, K>): void {
    this.listeners.get(event)?.delete(listener as unknown as (...args: unknown[]) => void);
  }

  /** Number of listeners of `event`. */
  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Calls every listener of `event` with `args`. */
  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    let failure: unknown;
    for (const l of [...set]) {
      try {
        l(...args);
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== undefined) throw failure;
  }
}
