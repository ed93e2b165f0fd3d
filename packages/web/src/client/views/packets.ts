/**
 * The Packets page: the live list of Space Packets from the configured sources, decoded in the
 * browser with the station's packet definitions; a hex view whose octets are linked to the
 * decoded fields (hover or focus either side); filter by source and APID; pause; CSV export;
 * recording into the local filestore.
 */
import { post } from '../api.js';
import { clock, fill, h, toast } from '../dom.js';
import { type BrowserDecoder, type DecodedPacket, valueText } from '../decode.js';
import { type LivePacket, store } from '../store.js';

/** Rows shown in the list (the newest). */
const SHOWN = 300;

const cache = new WeakMap<LivePacket, DecodedPacket>();

/** Decodes (once) a live packet. */
export function decoded(dec: BrowserDecoder, p: LivePacket): DecodedPacket {
  let d = cache.get(p);
  if (d === undefined) {
    d = dec.decode(p.bytes);
    cache.set(p, d);
  }
  return d;
}

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Parses "100, 200-210" into a set of APIDs (empty: all). */
export function parseApids(text: string): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (m === null) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = Math.min(a, b); i <= Math.max(a, b) && i <= 2047; i++) out.add(i);
  }
  return out;
}

/** Renders the page into `root`; returns a function that detaches it. */
export function packetsPage(root: HTMLElement, dec: BrowserDecoder, sources: string[]): () => void {
  let paused = false;
  let frozen: LivePacket[] | undefined;
  let selected: number | undefined;
  let apids: Set<number> = new Set();
  let source = '';
  const sourceSel = h(
    'select',
    {
      id: 'pk-source',
      onchange: () => {
        source = sourceSel.value;
        render();
      },
    },
    h('option', { value: '' }, 'all sources'),
    sources.map((s) => h('option', { value: s }, s)),
  );
  const apidInput = h('input', {
    id: 'pk-apid',
    placeholder: 'e.g. 100, 200-210',
    size: 14,
    'data-test': 'apid-filter',
    oninput: () => {
      const a = parseApids(apidInput.value);
      apidInput.setAttribute('aria-invalid', String(a === undefined));
      if (a !== undefined) {
        apids = a;
        render();
      }
    },
  });
  const pauseBtn = h(
    'button',
    {
      'data-test': 'pause',
      'aria-pressed': 'false',
      onclick: () => {
        paused = !paused;
        frozen = paused ? [...store.packets] : undefined;
        pauseBtn.setAttribute('aria-pressed', String(paused));
        pauseBtn.textContent = paused ? 'Resume' : 'Pause';
        render();
      },
    },
    'Pause',
  );
  const recordBtns = sources.map((s) => {
    let on = false;
    const b = h(
      'button',
      {
        'aria-pressed': 'false',
        'data-test': `record-${s}`,
        onclick: async () => {
          try {
            const r = await post<{ recording: string | null }>(
              `/api/sources/${encodeURIComponent(s)}/record`,
              { on: !on },
            );
            on = r.recording !== null;
            b.setAttribute('aria-pressed', String(on));
            b.textContent = on ? `■ Stop recording ${s}` : `● Record ${s}`;
            toast(on ? `recording ${s} into /${r.recording}` : `recording of ${s} stopped`);
          } catch (e) {
            toast((e as Error).message, 'error');
          }
        },
      },
      `● Record ${s}`,
    );
    return b;
  });
  const status = h('span', { class: 'muted', 'data-test': 'packet-count', 'aria-live': 'off' });
  const list = h('div', { class: 'packet-list panel scroll' });
  const detail = h(
    'div',
    { class: 'panel', 'data-test': 'packet-detail' },
    h('p', { class: 'empty' }, 'Select a packet to see its fields and octets.'),
  );

  const visible = (): LivePacket[] =>
    (frozen ?? store.packets).filter((p) => {
      if (source !== '' && p.source !== source) return false;
      if (apids.size === 0) return true;
      return apids.has(decoded(dec, p).apid);
    });

  const exportCsv = (): void => {
    const rows = visible();
    const names: string[] = [];
    const seen = new Set<string>();
    const dd = rows.map((p) => decoded(dec, p));
    for (const d of dd)
      for (const f of d.fields)
        if (!seen.has(f.name)) {
          seen.add(f.name);
          names.push(f.name);
        }
    const lines = [
      ['time', 'source', 'apid', 'sequence_count', 'length', 'definition', ...names, 'hex'].join(
        ',',
      ),
    ];
    rows.forEach((p, i) => {
      const d = dd[i]!;
      const vals = new Map(d.fields.map((f) => [f.name, valueText(f.value)]));
      lines.push(
        [
          new Date(p.t).toISOString(),
          p.source,
          String(d.apid),
          String(d.sequenceCount),
          String(d.length),
          d.definition ?? '',
          ...names.map((n) => vals.get(n) ?? ''),
          Array.from(p.bytes, (b) => b.toString(16).padStart(2, '0')).join(''),
        ]
          .map(csvCell)
          .join(','),
      );
    });
    const blob = new Blob([lines.join('\n') + '\n'], { type: 'text/csv' });
    const a = h('a', {
      href: URL.createObjectURL(blob),
      download: `packets-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`,
    });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 5000);
    toast(`exported ${rows.length} packets`);
  };

  const showDetail = (p: LivePacket): void => {
    const d = decoded(dec, p);
    const hex = h('div', { class: 'hex', 'data-test': 'hex' });
    const byteSpans: HTMLElement[] = [];
    p.bytes.forEach((b, i) => {
      const s = h(
        'span',
        { 'data-i': i, class: i < 6 ? 'hdr' : '' },
        b.toString(16).padStart(2, '0'),
      );
      byteSpans.push(s);
      hex.append(s, (i + 1) % 16 === 0 ? h('br') : ' ');
    });
    const rows: HTMLElement[] = [];
    const mark = (
      range: [number, number] | undefined,
      row: HTMLElement | undefined,
      on: boolean,
    ): void => {
      for (const r of rows) r.classList.remove('hl');
      for (const s of byteSpans) s.classList.remove('hl');
      if (!on) return;
      row?.classList.add('hl');
      if (range !== undefined)
        for (let i = range[0]; i < range[1]; i++) byteSpans[i]?.classList.add('hl');
    };
    const fieldRows = d.fields.map((f) => {
      const r = h(
        'tr',
        {
          tabindex: 0,
          'data-field': f.name,
          'data-test': 'field-row',
          onmouseenter: () => mark(f.range, r, true),
          onfocus: () => mark(f.range, r, true),
          onmouseleave: () => mark(undefined, undefined, false),
          onblur: () => mark(undefined, undefined, false),
        },
        h('td', {}, f.name),
        h('td', { 'data-test': 'field-value' }, valueText(f.value)),
        h('td', { class: 'muted' }, f.unit ?? ''),
        h('td', { class: 'muted' }, f.range === undefined ? '' : `${f.range[0]}–${f.range[1] - 1}`),
      );
      rows.push(r);
      return r;
    });
    hex.addEventListener('mouseover', (e) => {
      const i = Number((e.target as HTMLElement).dataset['i']);
      if (!Number.isInteger(i)) return;
      // The innermost field containing the octet (the data fields come after the header fields).
      const idx = [...d.fields.keys()].reverse().find((k) => {
        const r = d.fields[k]!.range;
        return r !== undefined && i >= r[0] && i < r[1];
      });
      if (idx !== undefined) mark(d.fields[idx]!.range, rows[idx], true);
    });
    hex.addEventListener('mouseleave', () => mark(undefined, undefined, false));
    fill(
      detail,
      h(
        'h3',
        {},
        `APID ${d.apid} · seq ${d.sequenceCount} · ${d.length} octets · ${d.definition ?? 'not decoded'}`,
      ),
      d.error === undefined ? null : h('p', { class: 'msg error' }, d.error),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'fields', 'data-test': 'fields' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Field'),
              h('th', {}, 'Value'),
              h('th', {}, 'Unit'),
              h('th', {}, 'Octets'),
            ),
          ),
          h('tbody', {}, fieldRows),
        ),
      ),
      h('h3', {}, 'Octets'),
      hex,
    );
  };

  let pending = false;
  const render = (): void => {
    pending = false;
    const all = visible();
    const rows = all.slice(-SHOWN).reverse();
    status.textContent = `${all.length} packets${paused ? ' (paused)' : ''}${store.droppedPackets > 0 ? ` · ${store.droppedPackets} left out of the live view` : ''}`;
    const focusedN = (document.activeElement as HTMLElement | null)?.closest?.('tr')?.dataset['n'];
    fill(
      list,
      rows.length === 0
        ? h('p', { class: 'empty' }, 'No packets yet.')
        : h(
            'table',
            { 'data-test': 'packets-table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Time', 'Source', 'APID', 'Seq', 'Len', 'Definition', 'Values'].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              rows.map((p) => {
                const d = decoded(dec, p);
                const summary = d.fields
                  .filter((f) => !f.name.startsWith('CCSDS_'))
                  .slice(0, 4)
                  .map((f) => `${f.name}=${valueText(f.value)}`)
                  .join('  ');
                const open = (): void => {
                  selected = p.n;
                  showDetail(p);
                  list
                    .querySelectorAll('tr.selected')
                    .forEach((r) => r.classList.remove('selected'));
                  tr.classList.add('selected');
                };
                const tr = h(
                  'tr',
                  {
                    tabindex: 0,
                    'data-n': p.n,
                    'data-test': 'packet-row',
                    class: selected === p.n ? 'selected' : '',
                    onclick: open,
                    onkeydown: (e: Event) => {
                      if ((e as KeyboardEvent).key === 'Enter') open();
                    },
                  },
                  h('td', {}, clock(p.t)),
                  h('td', {}, p.source),
                  h('td', { 'data-test': 'apid' }, d.apid),
                  h('td', {}, d.sequenceCount),
                  h('td', {}, d.length),
                  h('td', {}, d.definition ?? h('span', { class: 'muted' }, '—')),
                  h('td', { class: 'muted', 'data-test': 'summary' }, summary),
                );
                return tr;
              }),
            ),
          ),
    );
    if (focusedN !== undefined)
      (list.querySelector(`tr[data-n="${focusedN}"]`) as HTMLElement | null)?.focus();
  };
  fill(
    root,
    h('h2', {}, 'Packets'),
    h(
      'div',
      { class: 'toolbar' },
      h('label', { for: 'pk-source' }, 'Source'),
      sourceSel,
      h('label', { for: 'pk-apid' }, 'APID'),
      apidInput,
      pauseBtn,
      h('button', { 'data-test': 'export-csv', onclick: exportCsv }, '⇩ Export CSV'),
      recordBtns,
      status,
    ),
    h('div', { class: 'packets' }, list, detail),
  );
  render();
  return store.on('packets', () => {
    if (paused || pending) return;
    pending = true;
    setTimeout(() => requestAnimationFrame(render), 200);
  });
}
