/**
 * A small typed event emitter for the stack's engines (DESIGN.md rule 3: engines are classes
 * with typed events). Portable: no dependency on Node's `events`.
 */

/** Maps event names to listener argument tuples. */
export type EventMap = Record<string, unknown[]>;

/** A listener of event `K`. */
export type Listener<E extends EventMap, K extends keyof E> = (...args: E[K]) => void;

/**
 * Typed publish/subscribe. A listener that throws does not stop the others; the error is re-thrown
 * afterwards. Listeners added or removed while an event is emitted take effect from the next one:
 * each event keeps an array of its listeners that is replaced, never changed, when they change,
 * so emitting (once per datagram or PDU on the hot paths) copies nothing.
 */
export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, readonly ((...args: unknown[]) => void)[]>();

  /** Adds a listener (once: adding it again changes nothing); returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: Listener<E, K>): () => void {
    const l = listener as unknown as (...args: unknown[]) => void;
    const list = this.listeners.get(event);
    if (list === undefined) this.listeners.set(event, [l]);
    else if (!list.includes(l)) this.listeners.set(event, [...list, l]);
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
    const list = this.listeners.get(event);
    if (list === undefined) return;
    const rest = list.filter((l) => l !== (listener as unknown));
    if (rest.length === list.length) return;
    if (rest.length === 0) this.listeners.delete(event);
    else this.listeners.set(event, rest);
  }

  /** Number of listeners of `event`. */
  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Calls every listener of `event` with `args`. */
  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const list = this.listeners.get(event);
    if (list === undefined) return;
    if (list.length === 1) {
      list[0]!(...args);
      return;
    }
    let failure: unknown;
    for (const l of list) {
      try {
        l(...args);
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== undefined) throw failure;
  }
}
