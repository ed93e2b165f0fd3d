/** The Links page: per-link state, counters (good, corrected, lost), COP-1 state, enable/disable. */
import { type Link, post } from '../api.js';
import { clock, fill, h, toast } from '../dom.js';
import { store } from '../store.js';

/** Renders the page into `root`; returns a function that detaches it. */
export function linksPage(root: HTMLElement): () => void {
  const table = h('div', { class: 'panel scroll' });
  fill(
    root,
    h('h2', {}, 'Links'),
    h(
      'p',
      { class: 'muted' },
      'The links this console runs: the CFDP entity\u2019s transport and each packet source. Disabling a link drops what it carries (counted) until it is enabled again.',
    ),
    table,
  );
  const toggle = async (l: Link): Promise<void> => {
    try {
      await post(`/api/links/${encodeURIComponent(l.id)}`, { enabled: !l.enabled });
      toast(`${l.kind}: ${l.enabled ? 'disabled' : 'enabled'}`);
    } catch (e) {
      toast((e as Error).message, 'error');
    }
  };
  const render = (): void => {
    const focusedId = (document.activeElement as HTMLElement | null)?.dataset?.['link'];
    fill(
      table,
      h(
        'table',
        { 'data-test': 'links-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'Link',
              'Address',
              'State',
              'Good',
              'Corrected',
              'Lost',
              'Sent',
              'Octets in',
              'Dropped',
              'COP-1',
              'Last activity',
              '',
            ].map((c, i) => h('th', { scope: 'col', class: i >= 3 && i <= 8 ? 'num' : '' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          store.links.map((l) =>
            h(
              'tr',
              { 'data-test': 'link-row', 'data-link-id': l.id },
              h('td', {}, l.kind),
              h('td', {}, l.address),
              h(
                'td',
                { 'data-test': 'link-state' },
                h('span', { class: `state ${l.enabled ? 'active' : 'failed'}` }, l.state),
              ),
              h('td', { class: 'num', 'data-test': 'link-good' }, `${l.good} ${l.unit}`),
              h('td', { class: 'num' }, l.corrected),
              h('td', { class: 'num' }, l.lost),
              h('td', { class: 'num' }, l.sent ?? '—'),
              h('td', { class: 'num' }, l.octetsIn),
              h('td', { class: 'num' }, l.droppedWhileDisabled),
              h('td', { class: 'muted', title: l.cop1 }, l.cop1.replace(/ \(.*\)$/, '')),
              h('td', { class: 'muted' }, clock(l.lastActivityAt)),
              h(
                'td',
                {},
                h(
                  'button',
                  {
                    class: `small ${l.enabled ? 'danger' : 'primary'}`,
                    'data-link': l.id,
                    'data-test': 'link-toggle',
                    'aria-label': `${l.enabled ? 'disable' : 'enable'} ${l.kind}`,
                    onclick: () => void toggle(l),
                  },
                  l.enabled ? 'Disable' : 'Enable',
                ),
              ),
            ),
          ),
        ),
      ),
    );
    if (focusedId !== undefined)
      (table.querySelector(`[data-link="${focusedId}"]`) as HTMLElement | null)?.focus();
  };
  render();
  return store.on('links', render);
}
