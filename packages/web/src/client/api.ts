/** The console server's HTTP API and live WebSocket, as the client uses them. */

/** A transfer as the server reports it (see the server's `TransferRecord`). */
export interface Transfer {
  id: string;
  transactionId?: string;
  direction: 'up' | 'down';
  kind: 'file' | 'request';
  localEntityId: string;
  remoteEntityId: string;
  localPath: string;
  remotePath: string;
  size?: number;
  bytesDone: number;
  transmissionClass?: 1 | 2;
  state: 'queued' | 'active' | 'suspended' | 'cancelling' | 'completed' | 'failed';
  rate: number;
  startedAt: number;
  endedAt?: number;
  conditionCode?: number;
  failureReason?: string;
}

/** One line of a transfer's timeline. */
export interface TimelineEntry {
  t: number;
  event: string;
  detail: string;
}

/** A directory entry. */
export interface Entry {
  name: string;
  isDirectory: boolean;
  size: number;
  modifiedMs: number;
}

/** A remote entity of the MIB. */
export interface Remote {
  entityId: string;
  address: string;
  defaultClass: 1 | 2;
  closureRequested: boolean;
  checksum: string;
  segmentLength: number;
}

/** A link as the server reports it. */
export interface Link {
  id: string;
  kind: string;
  address: string;
  enabled: boolean;
  state: string;
  unit: string;
  good: number;
  corrected: number;
  lost: number;
  sent?: number;
  octetsIn: number;
  droppedWhileDisabled: number;
  cop1: string;
  lastActivityAt?: number;
}

/** The station summary. */
export interface StationInfo {
  entityId: string;
  address: string;
  filestore: string;
  remotes: Remote[];
  sources: string[];
  demo?: { entityId: string; root: string };
  maxUploadOctets: number;
}

/** An error answer of the API. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function answer<T>(r: Response): Promise<T> {
  let body: unknown;
  try {
    body = await r.json();
  } catch {
    throw new ApiError(`${r.status} ${r.statusText}`, r.status);
  }
  if (!r.ok) {
    const m = (body as { error?: string }).error ?? `${r.status} ${r.statusText}`;
    throw new ApiError(m, r.status);
  }
  return body as T;
}

/** GET a JSON answer. */
export async function get<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { credentials: 'same-origin' }));
}

/** POST JSON (or raw octets) and return the JSON answer. */
export async function post<T>(path: string, body: unknown, raw = false): Promise<T> {
  const headers: Record<string, string> = { 'x-ccsds-console': '1' };
  if (!raw) headers['content-type'] = 'application/json';
  return answer<T>(
    await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers,
      body: raw ? (body as Blob) : JSON.stringify(body),
    }),
  );
}

/** Messages the server pushes. */
export type LiveMessage =
  | { type: 'hello'; entityId: string; remotes: Remote[]; transfers: Transfer[]; links: Link[] }
  | { type: 'transfer'; transfer: Transfer }
  | { type: 'packets'; packets: { s: string; t: number; b: string }[]; dropped: number }
  | { type: 'links'; links: Link[] };

/** Connects the live WebSocket, reconnecting after a loss. */
export function connectLive(
  onMessage: (m: LiveMessage) => void,
  onState: (up: boolean) => void,
): void {
  let delay = 500;
  const open = (): void => {
    const ws = new WebSocket(
      `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
    );
    ws.onopen = () => {
      delay = 500;
      onState(true);
    };
    ws.onmessage = (e) => {
      try {
        onMessage(JSON.parse(String(e.data)) as LiveMessage);
      } catch {
        // a malformed message is dropped
      }
    };
    ws.onclose = () => {
      onState(false);
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 8000);
    };
  };
  open();
}
