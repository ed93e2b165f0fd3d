/**
 * Who may ask what of this entity: the per-remote policy of the user operations of CCSDS
 * 727.0-B-5 §6, kept in the MIB as each remote entity's `allowedOperations` (a list of names).
 * Everything is refused unless listed; the names are:
 *
 * | name | allows the remote to |
 * | --- | --- |
 * | `get` | send us a Proxy Put Request whose destination is the requester itself (fetch a file) |
 * | `proxy-put` | send a Proxy Put Request to any destination (implies `get`) |
 * | `directory-listing` | ask for directory listings |
 * | `filestore:<action>` | run one filestore action through Proxy Filestore Requests, by name (`delete-file`) or code (`1`) |
 * | `filestore` | run every filestore action |
 * | `remote-status` | ask for status reports of transactions |
 * | `remote-suspend` | suspend and resume transactions |
 * | `remote-resume` | only resume transactions |
 *
 * Creating a directory, and creating a file where none exists, change nothing that exists and
 * are allowed to every remote entity in the MIB (as for the filestore requests of a Metadata
 * PDU). Every other filestore action — delete, rename, append, replace, remove directory, deny,
 * and create file over an existing file — needs its grant. Whatever is granted, every path is
 * confined to the filestore's root and kept out of its private temporary folder.
 */
import { FilestoreAction } from '../filestore/index.js';

/** The operation names of the policy (see the module comment). */
export const RemoteOperation = {
  GET: 'get',
  PROXY_PUT: 'proxy-put',
  DIRECTORY_LISTING: 'directory-listing',
  FILESTORE: 'filestore',
  REMOTE_STATUS: 'remote-status',
  REMOTE_SUSPEND: 'remote-suspend',
  REMOTE_RESUME: 'remote-resume',
} as const;
/** One of {@link RemoteOperation}, or `filestore:<action>`. */
export type RemoteOperation = (typeof RemoteOperation)[keyof typeof RemoteOperation] | string;

/** Policy names of the filestore actions of 727.0-B-5 Table 5-15, by action code. */
export const FILESTORE_ACTION_NAMES: Readonly<Record<number, string>> = {
  [FilestoreAction.CREATE_FILE]: 'create-file',
  [FilestoreAction.DELETE_FILE]: 'delete-file',
  [FilestoreAction.RENAME_FILE]: 'rename-file',
  [FilestoreAction.APPEND_FILE]: 'append-file',
  [FilestoreAction.REPLACE_FILE]: 'replace-file',
  [FilestoreAction.CREATE_DIRECTORY]: 'create-directory',
  [FilestoreAction.REMOVE_DIRECTORY]: 'remove-directory',
  [FilestoreAction.DENY_FILE]: 'deny-file',
  [FilestoreAction.DENY_DIRECTORY]: 'deny-directory',
};

/**
 * Filestore response status meaning "not allowed" for each action (727.0-B-5 Table 5-16): the
 * status a refused Proxy Filestore Request is answered with.
 */
export const FILESTORE_NOT_ALLOWED_STATUS: Readonly<Record<number, number>> = {
  [FilestoreAction.CREATE_FILE]: 1,
  [FilestoreAction.DELETE_FILE]: 2,
  [FilestoreAction.RENAME_FILE]: 3,
  [FilestoreAction.APPEND_FILE]: 3,
  [FilestoreAction.REPLACE_FILE]: 3,
  [FilestoreAction.CREATE_DIRECTORY]: 1,
  [FilestoreAction.REMOVE_DIRECTORY]: 2,
  [FilestoreAction.DENY_FILE]: 2,
  [FilestoreAction.DENY_DIRECTORY]: 2,
};

/** True when `allowed` (a remote's `allowedOperations`) grants `operation`. */
export function isOperationAllowed(allowed: readonly string[], operation: string): boolean {
  if (allowed.includes(operation)) return true;
  if (operation === RemoteOperation.GET) return allowed.includes(RemoteOperation.PROXY_PUT);
  if (operation === RemoteOperation.REMOTE_RESUME)
    return allowed.includes(RemoteOperation.REMOTE_SUSPEND);
  return false;
}

/** True when `allowed` grants the filestore action with this code (by name, code or `filestore`). */
export function isFilestoreActionAllowed(allowed: readonly string[], actionCode: number): boolean {
  if (allowed.includes(RemoteOperation.FILESTORE)) return true;
  if (allowed.includes(`filestore:${actionCode}`)) return true;
  const name = FILESTORE_ACTION_NAMES[actionCode];
  return name !== undefined && allowed.includes(`filestore:${name}`);
}

/**
 * The names in `allowed` that this policy does not know (a misspelt grant refuses silently, so
 * tools should warn about these).
 */
export function unknownOperations(allowed: readonly string[]): string[] {
  const known = new Set<string>([
    ...Object.values(RemoteOperation),
    ...Object.values(FILESTORE_ACTION_NAMES).map((n) => `filestore:${n}`),
    ...Object.keys(FILESTORE_ACTION_NAMES).map((c) => `filestore:${c}`),
  ]);
  return allowed.filter((a) => !known.has(a));
}
