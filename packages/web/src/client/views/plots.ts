/**
 * The Plots page: telemetry fields against time with uPlot, live from the packet sources or from
 * a recorded packet file (one the console recorded into the local filestore, or one from this
 * computer), decoded in the browser.
 */
import uPlot from 'uplot';
import { type Entry, get } from '../api.js';
import { fill, h, toast } from '../dom.js';
import type { BrowserDecoder } from '../decode.js';
import { store } from '../store.js';
import { decoded } from './packets.js';

interface Field {
  definition: string;
  field: string;
  unit: string | undefined;
}

const key = (f: Field): string => `${f.definition}.${f.field}`;

/** Renders the page into `root`; returns a function that detaches it. */
export function plotsPage(root: HTMLElement, dec: BrowserDecoder): () => void {
  const fields = dec.numericFields();
  const saved = JSON.parse(localStorage.getItem('ccsds.console.plotFields') ?? 'null') as
    | string[]
    | null;
  const chosen = new Set<string>(
    saved ??
      fields
        .filter((f) => f.converted)
        .slice(0, 2)
        .map(key),
  );
  if (chosen.size === 0) for (const f of fields.slice(0, 2)) chosen.add(key(f));
  let mode: 'live' | 'file' = 'live';
  let windowS = 120;
  let recorded:
    | {
        name: string;
        x: number[];
        xLabel: string;
        series: Map<string, (number | null)[]>;
        report: string;
      }
    | undefined;
  const charts = h('div', { 'data-test': 'charts', style: 'display:grid; gap: 12px' });
  const plots: { f: Field; u: uPlot; box: HTMLElement }[] = [];
  const info = h('p', { class: 'muted', 'data-test': 'plot-info' });

  const picker = h(
    'fieldset',
    { class: 'fieldpick', style: 'border: 1px solid var(--line); border-radius: 6px' },
    h('legend', {}, 'Fields'),
    fields.length === 0
      ? h('span', { class: 'muted' }, 'No numeric fields in the packet definitions.')
      : null,
    fields.map((f) => {
      const id = `pf-${key(f).replace(/[^\w]/g, '_')}`;
      const cb = h('input', {
        type: 'checkbox',
        id,
        checked: chosen.has(key(f)),
        'data-test': `pick-${f.field}`,
        onchange: () => {
          if (cb.checked) chosen.add(key(f));
          else chosen.delete(key(f));
          localStorage.setItem('ccsds.console.plotFields', JSON.stringify([...chosen]));
          build();
        },
      });
      return h(
        'label',
        { for: id },
        cb,
        ` ${f.definition}.${f.field}${f.unit === undefined ? '' : ` (${f.unit})`}`,
      );
    }),
  );

  const modeSel = h(
    'select',
    {
      id: 'plot-mode',
      'data-test': 'plot-mode',
      onchange: () => {
        mode = modeSel.value as 'live' | 'file';
        fileBox.style.display = mode === 'file' ? '' : 'none';
        build();
      },
    },
    h('option', { value: 'live' }, 'Realtime'),
    h('option', { value: 'file' }, 'Recorded file'),
  );
  const windowSel = h(
    'select',
    {
      id: 'plot-window',
      onchange: () => {
        windowS = Number(windowSel.value);
        update();
      },
    },
    [
      [60, '1 min'],
      [120, '2 min'],
      [600, '10 min'],
      [3600, '1 h'],
    ].map(([v, l]) => h('option', { value: v, selected: v === windowS }, String(l))),
  );
  const recSel = h('select', { id: 'plot-recording', 'data-test': 'plot-recording' });
  const diskInput = h('input', {
    type: 'file',
    id: 'plot-disk',
    onchange: async () => {
      const f = diskInput.files?.[0];
      if (f !== undefined) loadRecording(f.name, new Uint8Array(await f.arrayBuffer()));
    },
  });
  const fileBox = h(
    'div',
    { class: 'toolbar', style: 'display:none' },
    h('label', { for: 'plot-recording' }, 'From the local filestore'),
    recSel,
    h(
      'button',
      {
        'data-test': 'plot-load',
        onclick: async () => {
          if (recSel.value === '') return;
          try {
            const r = await fetch(`/api/local/file?path=${encodeURIComponent(recSel.value)}`);
            if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
            loadRecording(recSel.value, new Uint8Array(await r.arrayBuffer()));
          } catch (e) {
            toast(`cannot load ${recSel.value}: ${(e as Error).message}`, 'error');
          }
        },
      },
      'Load',
    ),
    h('label', { for: 'plot-disk' }, 'or from this computer'),
    diskInput,
  );

  const listRecordings = async (): Promise<void> => {
    const found: string[] = [];
    for (const dir of ['recordings', '']) {
      try {
        const r = await get<{ entries: Entry[] }>(
          `/api/local/list?path=${encodeURIComponent(dir)}`,
        );
        for (const e of r.entries)
          if (!e.isDirectory && /\.(bin|dat|pkt|tlm|raw)$/i.test(e.name))
            found.push(dir === '' ? e.name : `${dir}/${e.name}`);
      } catch {
        // no such folder
      }
    }
    fill(
      recSel,
      found.length === 0
        ? h('option', { value: '' }, '(no recordings — record on the Packets page)')
        : found.map((f) => h('option', { value: f }, f)),
    );
  };

  function loadRecording(name: string, bytes: Uint8Array): void {
    const picked = fields.filter((f) => chosen.has(key(f)));
    const defs = [...new Set(picked.map((f) => f.definition))];
    const series = new Map<string, (number | null)[]>();
    let x: number[] = [];
    let xLabel = 'packet';
    const reports: string[] = [];
    for (const d of defs) {
      const { rows, report } = dec.decodeRecording(bytes, d);
      reports.push(`${d}: ${report}`);
      const timeField = dec.registry
        .get(d)
        ?.fields.find((f) => f.unit === 's' && (f.type === 'uint' || f.type === 'float'));
      if (x.length === 0) {
        x =
          timeField === undefined
            ? rows.map((_, i) => i)
            : rows.map((r) => Number(r[timeField.name]));
        xLabel = timeField === undefined ? 'packet' : `${timeField.name} (s)`;
      }
      for (const f of picked.filter((p) => p.definition === d))
        series.set(
          key(f),
          rows.map((r) => (typeof r[f.field] === 'number' ? (r[f.field] as number) : null)),
        );
    }
    recorded = { name, x, xLabel, series, report: reports.join('; ') };
    build();
  }

  function build(): void {
    for (const p of plots) p.u.destroy();
    plots.length = 0;
    charts.replaceChildren();
    const width = Math.max(280, Math.min(charts.clientWidth || root.clientWidth - 24, 1400));
    for (const f of fields.filter((x) => chosen.has(key(x)))) {
      const box = h('div', {
        class: 'plot',
        'data-test': 'plot',
        'data-field': f.field,
        'data-points': 0,
        role: 'img',
        'aria-label': `plot of ${f.definition}.${f.field}`,
      });
      charts.append(box);
      const live = mode === 'live';
      const u = new uPlot(
        {
          title: `${f.definition}.${f.field}${f.unit === undefined ? '' : ` (${f.unit})`}`,
          width: width - 8,
          height: 200,
          scales: { x: { time: live } },
          axes: [live || recorded === undefined ? {} : { label: recorded.xLabel }, { size: 72 }],
          series: [{}, { label: f.field, stroke: '#1f77b4', width: 1.5, spanGaps: true }],
          legend: { live: false },
        },
        [[], []],
        box,
      );
      plots.push({ f, u, box });
    }
    update();
  }

  function update(): void {
    if (mode === 'file') {
      info.textContent =
        recorded === undefined
          ? 'Choose a recorded packet file and Load it.'
          : `${recorded.name}: ${recorded.report}`;
      for (const p of plots) {
        const y = recorded?.series.get(key(p.f)) ?? [];
        p.u.setData([recorded?.x.slice(0, y.length) ?? [], y]);
        p.box.dataset['points'] = String(y.length);
      }
      return;
    }
    const since = Date.now() / 1000 - windowS;
    for (const p of plots) {
      const xs: number[] = [];
      const ys: (number | null)[] = [];
      for (const pk of store.packets) {
        const t = pk.t / 1000;
        if (t < since) continue;
        const d = decoded(dec, pk);
        if (d.definition !== p.f.definition) continue;
        const v = d.fields.find((x) => x.name === p.f.field)?.value;
        xs.push(t);
        ys.push(typeof v === 'number' ? v : null);
      }
      p.u.setData([xs, ys]);
      p.box.dataset['points'] = String(xs.length);
    }
    info.textContent = `Realtime: last ${windowS} s of live packets (${plots.length} field${plots.length === 1 ? '' : 's'}).`;
  }

  fill(
    root,
    h('h2', {}, 'Telemetry plots'),
    h(
      'div',
      { class: 'plots-controls' },
      h('label', { for: 'plot-mode' }, 'Data'),
      modeSel,
      h('label', { for: 'plot-window' }, 'Window'),
      windowSel,
    ),
    fileBox,
    picker,
    info,
    charts,
  );
  void listRecordings();
  build();
  let pending = false;
  const off = store.on('packets', () => {
    if (mode !== 'live' || pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      update();
    }, 250);
  });
  const onResize = (): void => build();
  window.addEventListener('resize', onResize);
  return () => {
    off();
    window.removeEventListener('resize', onResize);
    for (const p of plots) p.u.destroy();
  };
}
