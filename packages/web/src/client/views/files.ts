/**
 * The Files page: the local filestore and a remote entity's filestore side by side, like an FTP
 * client. The remote side is listed with CFDP directory listing requests and changed with proxy
 * filestore requests; transfers go through put (upload) and get (a proxy put back to us).
 */
import { ApiError, type Entry, get, post } from '../api.js';
import { bytes, fill, h, joinPath, parentPath, stamp } from '../dom.js';
import { confirmDialog, promptDialog, rememberedSettings, transferBody } from '../dialogs.js';
import { store } from '../store.js';
import { newTransfer } from './transfers.js';

interface Pane {
  side: 'local' | 'remote';
  path: string;
  entries: Entry[];
  el: HTMLElement;
  message: HTMLElement;
  busy: boolean;
}

/** Renders the page into `root`; returns a function that detaches it. */
export function filesPage(root: HTMLElement): () => void {
  let remote = sessionStorage.getItem('ccsds.console.remote') ?? store.remotes[0]?.entityId ?? '';
  const local: Pane = {
    side: 'local',
    path: '',
    entries: [],
    el: h('div'),
    message: h('div', { role: 'status', 'aria-live': 'polite' }),
    busy: false,
  };
  const rem: Pane = {
    side: 'remote',
    path: sessionStorage.getItem('ccsds.console.remotePath') ?? '',
    entries: [],
    el: h('div'),
    message: h('div', { role: 'status', 'aria-live': 'polite' }),
    busy: false,
  };
  const entitySelect = h(
    'select',
    {
      id: 'remote-entity',
      'data-test': 'remote-entity',
      onchange: () => {
        remote = entitySelect.value;
        sessionStorage.setItem('ccsds.console.remote', remote);
        rem.path = '';
        void load(rem);
      },
    },
    store.remotes.map((r) =>
      h('option', { value: r.entityId, selected: r.entityId === remote }, `entity ${r.entityId}`),
    ),
  );
  const upload = h('input', {
    type: 'file',
    id: 'upload-input',
    'data-test': 'upload-input',
    style: 'display:none',
    onchange: () => void uploadFiles(),
  });

  const say = (p: Pane, text: string, kind: 'ok' | 'error'): void => {
    fill(
      p.message,
      text === ''
        ? null
        : h(
            'p',
            {
              class: `msg ${kind}`,
              role: kind === 'error' ? 'alert' : 'status',
              'data-test': `${p.side}-message`,
            },
            text,
          ),
    );
  };

  const load = async (p: Pane): Promise<void> => {
    p.busy = true;
    render(p);
    try {
      const r =
        p.side === 'local'
          ? await get<{ path: string; entries: Entry[] }>(
              `/api/local/list?path=${encodeURIComponent(p.path)}`,
            )
          : await get<{ path: string; entries: Entry[] }>(
              `/api/remote/${encodeURIComponent(remote)}/list?path=${encodeURIComponent(p.path)}`,
            );
      p.path = r.path;
      p.entries = r.entries;
      if (p.side === 'remote') sessionStorage.setItem('ccsds.console.remotePath', p.path);
      say(p, '', 'ok');
    } catch (e) {
      p.entries = [];
      say(p, (e as Error).message, 'error');
    } finally {
      p.busy = false;
      render(p);
    }
  };

  const action = async (p: Pane, act: string, path: string, to?: string): Promise<boolean> => {
    try {
      const url =
        p.side === 'local'
          ? '/api/local/action'
          : `/api/remote/${encodeURIComponent(remote)}/action`;
      await post(url, { action: act, path, to });
      say(p, `${act} /${path}${to === undefined ? '' : ` → /${to}`}: done`, 'ok');
      return true;
    } catch (e) {
      const refused = e instanceof ApiError && e.status === 403;
      say(p, `${refused ? 'Refused — ' : ''}${(e as Error).message}`, 'error');
      return false;
    }
  };

  const remoteSettings = (): Record<string, unknown> => {
    const r = store.remotes.find((x) => x.entityId === remote);
    return r === undefined
      ? {}
      : transferBody({
          direction: 'up',
          remoteEntityId: remote,
          localPath: '',
          remotePath: '',
          settings: rememberedSettings(r),
        });
  };

  const send = async (e: Entry): Promise<void> => {
    const src = joinPath(local.path, e.name);
    try {
      await post('/api/transfers/put', {
        ...remoteSettings(),
        remoteEntityId: remote,
        localPath: src,
        remotePath: joinPath(rem.path, e.name),
      });
      say(local, `upload of /${src} to entity ${remote} started — see Transfers`, 'ok');
    } catch (err) {
      say(local, (err as Error).message, 'error');
    }
  };

  const fetchFile = async (e: Entry): Promise<void> => {
    const src = joinPath(rem.path, e.name);
    try {
      const s = remoteSettings();
      await post('/api/transfers/get', {
        remoteEntityId: remote,
        remotePath: src,
        localPath: joinPath(local.path, e.name),
        transmissionClass: s['transmissionClass'],
        closureRequested: s['closureRequested'],
      });
      say(rem, `download of /${src} from entity ${remote} requested — see Transfers`, 'ok');
    } catch (err) {
      say(rem, (err as Error).message, 'error');
    }
  };

  const uploadFiles = async (): Promise<void> => {
    for (const f of Array.from(upload.files ?? [])) {
      const path = joinPath(local.path, f.name);
      try {
        await post(`/api/local/upload?path=${encodeURIComponent(path)}`, f, true);
        say(local, `${f.name} stored in the local filestore (${bytes(f.size)})`, 'ok');
      } catch (e) {
        say(local, (e as Error).message, 'error');
      }
    }
    upload.value = '';
    await load(local);
  };

  function render(p: Pane): void {
    const isLocal = p.side === 'local';
    const rows = p.entries.map((e) => {
      const path = joinPath(p.path, e.name);
      const label = `${e.isDirectory ? 'folder' : 'file'} ${e.name}`;
      const open = (): void => {
        p.path = path;
        void load(p);
      };
      const buttons: HTMLElement[] = [];
      if (!e.isDirectory) {
        if (isLocal) {
          buttons.push(
            h(
              'button',
              {
                class: 'small',
                'data-test': 'send',
                'aria-label': `send ${e.name} to entity ${remote}`,
                onclick: () => void send(e),
                disabled: remote === '',
              },
              'Send →',
            ),
          );
          buttons.push(
            h(
              'a',
              {
                class: 'btn small',
                href: `/api/local/file?path=${encodeURIComponent(path)}`,
                download: e.name,
                'aria-label': `save ${e.name} to this computer`,
              },
              'Save',
            ),
          );
        } else {
          buttons.push(
            h(
              'button',
              {
                class: 'small',
                'data-test': 'fetch',
                'aria-label': `get ${e.name} from entity ${remote}`,
                onclick: () => void fetchFile(e),
              },
              '← Get',
            ),
          );
        }
      }
      buttons.push(
        h(
          'button',
          {
            class: 'small',
            'data-test': 'rename',
            'aria-label': `rename ${e.name}`,
            onclick: async () => {
              const to = await promptDialog(`Rename ${e.name}`, 'New name', e.name);
              if (to === null || to === '' || to === e.name) return;
              if (await action(p, 'rename', path, joinPath(p.path, to))) await load(p);
            },
          },
          'Rename',
        ),
      );
      buttons.push(
        h(
          'button',
          {
            class: 'small danger',
            'data-test': 'delete',
            'aria-label': `delete ${e.name}`,
            onclick: async () => {
              const where = isLocal ? 'the local filestore' : `entity ${remote}`;
              if (
                !(await confirmDialog(
                  `Delete ${e.isDirectory ? 'folder' : 'file'}?`,
                  `Delete /${path} on ${where}? This cannot be undone.${e.isDirectory ? ' The folder must be empty.' : ''}`,
                ))
              )
                return;
              if (await action(p, e.isDirectory ? 'rmdir' : 'delete', path)) await load(p);
            },
          },
          'Delete',
        ),
      );
      return h(
        'tr',
        { 'data-test': `${p.side}-entry`, 'data-name': e.name },
        h(
          'td',
          {},
          e.isDirectory
            ? h(
                'button',
                {
                  class: 'small',
                  'aria-label': `open ${label}`,
                  onclick: open,
                  'data-test': 'open',
                },
                `${e.name}/`,
              )
            : h('span', {}, e.name),
        ),
        h('td', { class: 'num' }, e.isDirectory ? '' : bytes(e.size)),
        h('td', { class: 'hide-narrow muted' }, stamp(e.modifiedMs)),
        h('td', {}, h('div', { class: 'actions' }, buttons)),
      );
    });
    fill(
      p.el,
      h(
        'div',
        { class: 'toolbar' },
        isLocal
          ? h('h3', {}, 'Local filestore')
          : [
              h('h3', {}, 'Remote'),
              h('label', { for: 'remote-entity', class: 'muted' }, 'entity'),
              entitySelect,
            ],
        h(
          'button',
          {
            class: 'small',
            'aria-label': `${p.side} folder up`,
            disabled: p.path === '',
            onclick: () => {
              p.path = parentPath(p.path);
              void load(p);
            },
          },
          '↑ Up',
        ),
        h(
          'button',
          {
            class: 'small',
            'data-test': `${p.side}-refresh`,
            'aria-label': `refresh ${p.side}`,
            onclick: () => void load(p),
          },
          '⟳ Refresh',
        ),
        h(
          'button',
          {
            class: 'small',
            'data-test': `${p.side}-mkdir`,
            'aria-label': `new folder (${p.side})`,
            onclick: async () => {
              const name = await promptDialog('New folder', 'Name');
              if (name === null || name === '') return;
              if (await action(p, 'mkdir', joinPath(p.path, name))) await load(p);
            },
          },
          '+ Folder',
        ),
        isLocal
          ? [
              upload,
              h(
                'button',
                { class: 'small', 'data-test': 'upload-button', onclick: () => upload.click() },
                '⇪ Add from computer…',
              ),
            ]
          : null,
      ),
      h(
        'p',
        { class: 'crumbs', 'data-test': `${p.side}-path` },
        isLocal ? 'local:' : `entity ${remote}:`,
        ` /${p.path}`,
        p.busy ? ' — loading…' : '',
      ),
      p.message,
      h(
        'div',
        { class: 'scroll' },
        rows.length === 0
          ? h('p', { class: 'empty' }, p.busy ? 'Loading…' : 'Empty folder')
          : h(
              'table',
              { 'data-test': `${p.side}-table` },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col' }, 'Name'),
                  h('th', { class: 'num', scope: 'col' }, 'Size'),
                  h('th', { class: 'hide-narrow', scope: 'col' }, 'Modified'),
                  h('th', { scope: 'col' }, 'Actions'),
                ),
              ),
              h('tbody', {}, rows),
            ),
      ),
    );
  }

  fill(
    root,
    h('h2', {}, 'Files'),
    h(
      'div',
      { class: 'toolbar' },
      h(
        'button',
        { class: 'primary', onclick: () => void newTransfer({ remoteEntityId: remote }) },
        '+ New transfer…',
      ),
      h(
        'span',
        { class: 'muted' },
        'Send → uploads with CFDP put; ← Get asks the remote entity for a proxy put back here.',
      ),
    ),
    h(
      'div',
      { class: 'split' },
      h(
        'section',
        { class: 'panel', 'aria-label': 'Local filestore', 'data-test': 'local-pane' },
        local.el,
      ),
      h(
        'section',
        { class: 'panel', 'aria-label': 'Remote filestore', 'data-test': 'remote-pane' },
        rem.el,
      ),
    ),
  );
  void load(local);
  if (remote !== '') void load(rem);
  else say(rem, 'No remote entity in the MIB.', 'error');
  // Refresh the local side when a download into it completes.
  return store.on('transfers', (x) => {
    const t = x as { state?: string; direction?: string; kind?: string } | undefined;
    if (t?.state === 'completed' && t.kind === 'file') {
      if (t.direction === 'down' && !local.busy) void load(local);
      if (t.direction === 'up' && !rem.busy) void load(rem);
    }
  });
}
