/**
 * The ccsds web console (client): pages for Transfers, Files, Packets, Plots and Links over the
 * console server's API and live WebSocket. Hash routes (`#/files`) keep the browser's back
 * button and bookmarks working; every action is a button or link, so the keyboard alone works.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { type StationInfo, connectLive, get } from './api.js';
import { BrowserDecoder } from './decode.js';
import { fill, h } from './dom.js';
import { store } from './store.js';
import { filesPage } from './views/files.js';
import { linksPage } from './views/links.js';
import { packetsPage } from './views/packets.js';
import { plotsPage } from './views/plots.js';
import { transfersPage } from './views/transfers.js';

const PAGES = [
  ['transfers', 'Transfers'],
  ['files', 'Files'],
  ['packets', 'Packets'],
  ['plots', 'Plots'],
  ['links', 'Links'],
] as const;
type Page = (typeof PAGES)[number][0];

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const conn = document.getElementById('conn')!;
let detach: (() => void) | undefined;
let station: StationInfo | undefined;
let decoder: BrowserDecoder | undefined;
let ready = false;

function current(): Page {
  const p = location.hash.replace(/^#\/?/, '');
  return (PAGES.find(([k]) => k === p)?.[0] ?? 'transfers') as Page;
}

function show(): void {
  const page = current();
  fill(
    nav,
    PAGES.map(([k, label], i) =>
      h(
        'a',
        {
          href: `#/${k}`,
          'aria-current': k === page ? 'page' : undefined,
          'data-test': `nav-${k}`,
          accesskey: String(i + 1),
          title: `${label} (Alt+${i + 1})`,
        },
        label,
      ),
    ),
  );
  document.title = `${PAGES.find(([k]) => k === page)![1]} — ccsds console`;
  if (!ready || station === undefined || decoder === undefined) {
    fill(main, h('p', { class: 'empty' }, 'Connecting to the console…'));
    return;
  }
  detach?.();
  switch (page) {
    case 'transfers':
      detach = transfersPage(main);
      break;
    case 'files':
      detach = filesPage(main);
      break;
    case 'packets':
      detach = packetsPage(main, decoder, station.sources);
      break;
    case 'plots':
      detach = plotsPage(main, decoder);
      break;
    case 'links':
      detach = linksPage(main);
      break;
  }
}

window.addEventListener('hashchange', () => {
  show();
  main.focus();
});

async function start(): Promise<void> {
  show();
  try {
    station = await get<StationInfo>('/api/station');
    const defs = await get<{ definitions: unknown[] }>('/api/definitions');
    decoder = new BrowserDecoder(defs.definitions);
  } catch (e) {
    fill(
      main,
      h(
        'p',
        { class: 'msg error', role: 'alert' },
        `Cannot reach the console: ${(e as Error).message}`,
      ),
    );
    return;
  }
  store.on('hello', () => {
    if (!ready) {
      ready = true;
      show();
    }
  });
  connectLive(
    (m) => store.apply(m),
    (up) => {
      conn.textContent = up
        ? `entity ${station!.entityId} · ${station!.address}${station!.demo === undefined ? '' : ' · demo spacecraft ' + station!.demo.entityId}`
        : 'disconnected — reconnecting…';
      conn.className = `conn ${up ? 'up' : 'down'}`;
    },
  );
}

void start();
