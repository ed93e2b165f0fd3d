/**
 * A minimal typed event emitter for the COP-1 engines (DESIGN.md rule 3: engines are classes
 * with typed events). Portable: no `node:events`. Internal to `link/tc`.
 */

/** A listener for events of type `T`. */
export type Listener<T> = (event: T) => void;

/** Listener lists keyed by event name; `emit` calls them in registration order. */
export class Emitter<Events extends object> {
  private readonly lists = new Map<keyof Events, Listener<never>[]>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    const list = this.lists.get(name) ?? [];
    list.push(listener as Listener<never>);
    this.lists.set(name, list);
    return () => this.off(name, listener);
  }

  /** Removes a listener added with {@link on}. */
  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    const list = this.lists.get(name);
    if (list === undefined) return;
    const i = list.indexOf(listener as Listener<never>);
    if (i >= 0) list.splice(i, 1);
  }

  /** True when at least one listener is registered for `name`. */
  has(name: keyof Events): boolean {
    const list = this.lists.get(name);
    return list !== undefined && list.length > 0;
  }

  /** Calls every listener of `name` with `event`. */
  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    const list = this.lists.get(name);
    if (list === undefined || list.length === 0) return;
    for (const l of list.slice()) (l as Listener<Events[K]>)(event);
  }
}
