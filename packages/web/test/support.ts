/** Helpers of the web console tests: HTTP and WebSocket clients against a real running console. */
import { WebSocket } from 'ws';
import type { RunningConsole } from '../src/server/index.js';

/** JSON over HTTP against a console (the CSRF header added for POSTs). */
export async function api(
  c: RunningConsole,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const init: RequestInit =
    body === undefined
      ? { headers }
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-ccsds-console': '1', ...headers },
          body: JSON.stringify(body),
        };
  const r = await fetch(`http://127.0.0.1:${c.port}${path}`, init);
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: r.status, json };
}

/** A live socket that collects every message. */
export interface Live {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  /** When a message arrived (ms since the epoch). */
  arrivedAt(m: Record<string, unknown>): number;
  /** Resolves with the first message (already received or future) that `pred` accepts. */
  waitFor(
    pred: (m: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  close(): void;
}

/** Opens the live WebSocket with the console's own origin (unless another is given). */
export function openLive(
  c: RunningConsole,
  origin = `http://127.0.0.1:${c.port}`,
  extra: Record<string, string> = {},
): Promise<Live> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${c.port}/ws`, { headers: { origin, ...extra } });
    const messages: Record<string, unknown>[] = [];
    const arrivals = new WeakMap<Record<string, unknown>, number>();
    const waiters: {
      pred: (m: Record<string, unknown>) => boolean;
      done: (m: Record<string, unknown>) => void;
    }[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as Record<string, unknown>;
      messages.push(m);
      arrivals.set(m, Date.now());
      for (const w of [...waiters])
        if (w.pred(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done(m);
        }
    });
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        arrivedAt: (m) => arrivals.get(m) ?? 0,
        waitFor: (pred, timeoutMs = 20_000) =>
          new Promise((res, rej) => {
            const found = messages.find(pred);
            if (found !== undefined) return res(found);
            const t = setTimeout(
              () => rej(new Error('timed out waiting for a live message')),
              timeoutMs,
            );
            waiters.push({
              pred,
              done: (m) => {
                clearTimeout(t);
                res(m);
              },
            });
          }),
        close: () => ws.close(),
      }),
    );
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
    ws.once('error', reject);
  });
}

/** A transfer message for console ID `id` in state `state`. */
export function transferIn(id: string, states: string[]): (m: Record<string, unknown>) => boolean {
  return (m) => {
    if (m['type'] !== 'transfer') return false;
    const t = m['transfer'] as { id: string; state: string };
    return t.id === id && states.includes(t.state);
  };
}
