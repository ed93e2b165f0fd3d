/** The Transfers page: Ongoing / Completed / Failed tabs, actions, and a detail view with the timeline. */
import { type TimelineEntry, type Transfer, get, post } from '../api.js';
import { bytes, clock, fill, h, rate, stamp, toast } from '../dom.js';
import { newTransferDialog, transferBody } from '../dialogs.js';
import { store } from '../store.js';

type Tab = 'ongoing' | 'completed' | 'failed';

function tabOf(t: Transfer): Tab {
  return t.state === 'completed' ? 'completed' : t.state === 'failed' ? 'failed' : 'ongoing';
}

/** Runs a transfer action and reports errors. */
async function act(t: Transfer, action: string): Promise<void> {
  try {
    await post(`/api/transfers/${encodeURIComponent(t.id)}/${action}`, {});
    // The Report.indication lands in the timeline: show it there.
    if (action === 'report') showDetail(t.id);
    else toast(`${action} ${t.localPath || t.id}: requested`);
  } catch (e) {
    toast(`${action}: ${(e as Error).message}`, 'error');
  }
}

function progressBar(t: Transfer): HTMLElement {
  const pct =
    t.size === undefined || t.size === 0
      ? t.state === 'completed'
        ? 100
        : 0
      : Math.min(100, (t.bytesDone / t.size) * 100);
  return h(
    'span',
    {
      class: `progress ${t.state === 'completed' ? 'done' : t.state === 'failed' ? 'failed' : ''}`,
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': Math.round(pct),
      'aria-label': `progress ${Math.round(pct)}%`,
    },
    h('div', { style: `width: ${pct.toFixed(1)}%` }),
  );
}

/** Opens the detail view of a transfer (refreshes while open). */
export function showDetail(id: string): void {
  const body = h('div', { 'data-test': 'detail-body' });
  const d = h(
    'dialog',
    { 'aria-labelledby': 'detail-title', 'data-test': 'transfer-detail' },
    h('h2', { id: 'detail-title' }, 'Transfer'),
    body,
    h(
      'form',
      { method: 'dialog', class: 'buttons', style: 'display:flex' },
      h('button', { type: 'submit', autofocus: true }, 'Close'),
    ),
  );
  let alive = true;
  const render = async (): Promise<void> => {
    try {
      const r = await get<{ transfer: Transfer; timeline: TimelineEntry[] }>(
        `/api/transfers/${encodeURIComponent(id)}`,
      );
      const t = r.transfer;
      fill(
        body,
        h(
          'dl',
          { class: 'kv' },
          ...(
            [
              ['Transaction', t.transactionId ?? '(not started)'],
              [
                'Direction',
                t.direction === 'up'
                  ? `upload to entity ${t.remoteEntityId}`
                  : `download from entity ${t.remoteEntityId}`,
              ],
              ['Local', `entity ${t.localEntityId}: /${t.localPath}`],
              ['Remote', `entity ${t.remoteEntityId}: /${t.remotePath}`],
              ['Size', bytes(t.size)],
              ['Done', `${bytes(t.bytesDone)} (${t.bytesDone} octets)`],
              ['Class', t.transmissionClass ?? '—'],
              ['State', t.state],
              ['Started', stamp(t.startedAt)],
              ['Ended', stamp(t.endedAt)],
              ['Failure', t.failureReason ?? '—'],
            ] as const
          ).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]),
        ),
        h('h3', {}, 'Indications'),
        h(
          'ol',
          { class: 'timeline', 'data-test': 'timeline' },
          r.timeline.map((e) =>
            h('li', {}, h('time', {}, clock(e.t)), h('strong', {}, e.event), ' ', e.detail),
          ),
        ),
      );
    } catch (e) {
      fill(body, h('p', { class: 'msg error' }, (e as Error).message));
    }
  };
  const off = store.on('transfers', (x) => {
    if (alive && (x as Transfer | undefined)?.id === id) void render();
  });
  d.addEventListener('close', () => {
    alive = false;
    off();
    d.remove();
  });
  document.body.append(d);
  d.showModal();
  void render();
}

/** Starts a transfer from the New transfer dialog. */
export async function newTransfer(
  initial: Parameters<typeof newTransferDialog>[1] = {},
): Promise<void> {
  let files: string[] = [];
  try {
    const l = await get<{ entries: { name: string; isDirectory: boolean }[] }>(
      '/api/local/list?path=',
    );
    files = l.entries.filter((e) => !e.isDirectory).map((e) => e.name);
  } catch {
    // no suggestions
  }
  const t = await newTransferDialog(store.remotes, initial, files);
  if (t === null) return;
  try {
    await post(t.direction === 'up' ? '/api/transfers/put' : '/api/transfers/get', transferBody(t));
    toast(
      `${t.direction === 'up' ? 'upload' : 'download'} of ${t.direction === 'up' ? t.localPath : t.remotePath} started`,
    );
  } catch (e) {
    toast((e as Error).message, 'error');
  }
}

/** Renders the page into `root`; returns a function that detaches it. */
export function transfersPage(root: HTMLElement): () => void {
  let tab: Tab = (sessionStorage.getItem('ccsds.console.tab') as Tab | null) ?? 'ongoing';
  let showRequests = false;
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Transfer lists' });
  const table = h('div', { class: 'scroll panel', role: 'tabpanel', id: 'transfers-panel' });
  const requests = h('input', {
    type: 'checkbox',
    id: 'show-requests',
    onchange: () => {
      showRequests = requests.checked;
      render();
    },
  });
  fill(
    root,
    h('h2', {}, 'Transfers'),
    h(
      'div',
      { class: 'toolbar' },
      h(
        'button',
        {
          class: 'primary',
          onclick: () => void newTransfer(),
          'data-test': 'new-transfer-button',
          accesskey: 'n',
        },
        '+ New transfer…',
      ),
      tabs,
      h(
        'label',
        { for: 'show-requests' },
        requests,
        ' show protocol requests (listings, filestore requests)',
      ),
    ),
    table,
  );
  let pending = false;
  const render = (): void => {
    pending = false;
    const all = [...store.transfers.values()].filter((t) => showRequests || t.kind === 'file');
    const counts = { ongoing: 0, completed: 0, failed: 0 };
    for (const t of all) counts[tabOf(t)]++;
    const names: [Tab, string][] = [
      ['ongoing', 'Ongoing'],
      ['completed', 'Completed'],
      ['failed', 'Failed'],
    ];
    const focused = document.activeElement;
    const focusTab = focused instanceof HTMLElement ? focused.dataset['tab'] : undefined;
    const focusRow =
      focused instanceof HTMLElement ? focused.closest('tr')?.dataset['id'] : undefined;
    const focusAction = focused instanceof HTMLElement ? focused.dataset['action'] : undefined;
    fill(
      tabs,
      names.map(([k, label]) =>
        h(
          'button',
          {
            role: 'tab',
            'aria-selected': String(tab === k),
            'aria-controls': 'transfers-panel',
            tabindex: tab === k ? 0 : -1,
            'data-tab': k,
            'data-test': `tab-${k}`,
            onclick: () => {
              tab = k;
              sessionStorage.setItem('ccsds.console.tab', k);
              render();
            },
            onkeydown: (e: Event) => {
              const ke = e as KeyboardEvent;
              if (ke.key !== 'ArrowRight' && ke.key !== 'ArrowLeft') return;
              const i = names.findIndex(([n]) => n === tab);
              tab =
                names[(i + (ke.key === 'ArrowRight' ? 1 : names.length - 1)) % names.length]![0];
              render();
              (tabs.querySelector(`[data-tab="${tab}"]`) as HTMLElement | null)?.focus();
            },
          },
          label,
          h('span', { class: 'badge' }, counts[k]),
        ),
      ),
    );
    const rows = all.filter((t) => tabOf(t) === tab).sort((a, b) => b.startedAt - a.startedAt);
    if (rows.length === 0) {
      fill(
        table,
        h(
          'p',
          { class: 'empty' },
          tab === 'ongoing'
            ? 'No transfer running. Start one with “New transfer…” or from the Files page.'
            : `No ${tab} transfers.`,
        ),
      );
    } else {
      fill(
        table,
        h(
          'table',
          { 'data-test': 'transfers-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [
                ['Start', ''],
                ['Dir', ''],
                ['Local entity: path', ''],
                ['Remote entity: path', ''],
                ['Size', 'num'],
                ['Bytes done', ''],
                ['Rate', 'num'],
                ['Class', ''],
                ['State', ''],
                ['Actions', ''],
                ['Failure reason', ''],
              ].map(([c, cls]) => h('th', { class: cls, scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            rows.map((t) => {
              const ongoing = tabOf(t) === 'ongoing';
              const btn = (
                action: string,
                label: string,
                enabled: boolean,
                cls = '',
                slot = action,
              ): HTMLElement =>
                h(
                  'button',
                  {
                    class: `small ${cls}`,
                    disabled: !enabled,
                    'data-action': slot,
                    'data-test': `action-${action}`,
                    'aria-label': `${label} ${t.localPath || t.id}`,
                    onclick: (e: Event) => {
                      e.stopPropagation();
                      void act(t, action);
                    },
                  },
                  label,
                );
              return h(
                'tr',
                {
                  tabindex: 0,
                  'data-id': t.id,
                  'data-test': 'transfer-row',
                  'data-state': t.state,
                  'aria-label': `${t.direction === 'up' ? 'upload' : 'download'} ${t.localPath} ${t.state}`,
                  onclick: () => showDetail(t.id),
                  onkeydown: (e: Event) => {
                    if ((e as KeyboardEvent).key === 'Enter' && e.target === e.currentTarget)
                      showDetail(t.id);
                  },
                },
                h('td', {}, clock(t.startedAt)),
                h(
                  'td',
                  { title: t.direction === 'up' ? 'upload' : 'download' },
                  t.direction === 'up' ? '↑ up' : '↓ down',
                ),
                h(
                  'td',
                  { class: 'path', title: `entity ${t.localEntityId}: /${t.localPath}` },
                  h('span', { class: 'muted' }, `${t.localEntityId}: `),
                  t.localPath === '' ? '—' : `/${t.localPath}`,
                ),
                h(
                  'td',
                  { class: 'path', title: `entity ${t.remoteEntityId}: /${t.remotePath}` },
                  h('span', { class: 'muted' }, `${t.remoteEntityId}: `),
                  t.remotePath === '' ? '—' : `/${t.remotePath}`,
                ),
                h('td', { class: 'num' }, bytes(t.size)),
                h(
                  'td',
                  {},
                  h(
                    'div',
                    { class: 'done' },
                    progressBar(t),
                    h('span', { 'data-test': 'bytes-done' }, bytes(t.bytesDone)),
                  ),
                ),
                h('td', { class: 'num' }, rate(t.rate)),
                h('td', {}, t.transmissionClass ?? '—'),
                h(
                  'td',
                  {},
                  h('span', { class: `state ${t.state}`, 'data-test': 'state' }, t.state),
                ),
                h(
                  'td',
                  {},
                  h(
                    'div',
                    { class: 'actions' },
                    ongoing
                      ? [
                          t.state === 'suspended'
                            ? btn('resume', 'Resume', true, '', 'toggle')
                            : btn(
                                'suspend',
                                'Pause',
                                t.state === 'active' && t.transactionId !== undefined,
                                '',
                                'toggle',
                              ),
                          btn('cancel', 'Cancel', true, 'danger'),
                          btn('abandon', 'Abandon', true, 'danger'),
                          btn('report', 'Report', t.transactionId !== undefined),
                        ]
                      : h(
                          'button',
                          {
                            class: 'small',
                            'data-action': 'details',
                            'aria-label': `details of ${t.localPath || t.id}`,
                            onclick: (e: Event) => {
                              e.stopPropagation();
                              showDetail(t.id);
                            },
                          },
                          'Details',
                        ),
                  ),
                ),
                h(
                  'td',
                  { class: t.failureReason === undefined ? '' : 'reason' },
                  t.failureReason ?? '',
                ),
              );
            }),
          ),
        ),
      );
    }
    if (focusTab !== undefined)
      (tabs.querySelector(`[data-tab="${focusTab}"]`) as HTMLElement | null)?.focus();
    else if (focusRow !== undefined) {
      const row = table.querySelector(`tr[data-id="${focusRow}"]`);
      const target =
        focusAction === undefined ? row : row?.querySelector(`[data-action="${focusAction}"]`);
      (target as HTMLElement | null | undefined)?.focus();
    }
  };
  const schedule = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(render);
  };
  render();
  return store.on('transfers', schedule);
}
