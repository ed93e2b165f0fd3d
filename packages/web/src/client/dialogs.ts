/** Modal dialogs (native `<dialog>`: focus is trapped, Escape cancels). */
import { h } from './dom.js';
import type { Remote } from './api.js';

function show(d: HTMLDialogElement): void {
  document.body.append(d);
  d.addEventListener('close', () => d.remove());
  d.showModal();
}

/** Asks for confirmation; resolves true when confirmed. */
export function confirmDialog(title: string, text: string, confirm = 'Delete'): Promise<boolean> {
  return new Promise((resolve) => {
    const yes = h(
      'button',
      { type: 'submit', value: 'yes', class: 'danger', 'data-test': 'confirm-yes' },
      confirm,
    );
    const d = h(
      'dialog',
      { 'aria-labelledby': 'confirm-title', 'data-test': 'confirm' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'confirm-title' }, title),
        h('p', {}, text),
        h(
          'div',
          { class: 'buttons' },
          h('button', { type: 'submit', value: 'no', autofocus: true }, 'Cancel'),
          yes,
        ),
      ),
    );
    d.addEventListener('close', () => resolve(d.returnValue === 'yes'));
    show(d);
  });
}

/** Asks for one line of text; resolves null when cancelled. */
export function promptDialog(title: string, label: string, initial = ''): Promise<string | null> {
  return new Promise((resolve) => {
    const input = h('input', {
      id: 'prompt-input',
      value: initial,
      required: true,
      'data-test': 'prompt-input',
    });
    const d = h(
      'dialog',
      { 'aria-labelledby': 'prompt-title' },
      h(
        'form',
        { method: 'dialog', class: 'grid' },
        h('h2', { id: 'prompt-title', style: 'grid-column: 1 / -1' }, title),
        h('label', { for: 'prompt-input' }, label),
        input,
        h(
          'div',
          { class: 'buttons' },
          h('button', { type: 'button', onclick: () => d.close('no') }, 'Cancel'),
          h(
            'button',
            { type: 'submit', value: 'yes', class: 'primary', 'data-test': 'prompt-ok' },
            'OK',
          ),
        ),
      ),
    );
    d.addEventListener('close', () => resolve(d.returnValue === 'yes' ? input.value.trim() : null));
    show(d);
    input.focus();
    input.select();
  });
}

/** Settings of a transfer, remembered per remote entity. */
export interface TransferSettings {
  transmissionClass: '1' | '2';
  closureRequested: boolean;
  checksum: string;
  segmentLength: string;
}

const KEY = (entity: string): string => `ccsds.console.transfer.${entity}`;

/** The remembered settings for an entity (its MIB defaults the first time). */
export function rememberedSettings(r: Remote): TransferSettings {
  try {
    const s = JSON.parse(
      localStorage.getItem(KEY(r.entityId)) ?? 'null',
    ) as TransferSettings | null;
    if (s !== null && (s.transmissionClass === '1' || s.transmissionClass === '2')) return s;
  } catch {
    // fall through to the defaults
  }
  return {
    transmissionClass: String(r.defaultClass) as '1' | '2',
    closureRequested: r.closureRequested,
    checksum: r.checksum,
    segmentLength: String(r.segmentLength),
  };
}

/** Remembers the settings used for an entity. */
export function rememberSettings(entity: string, s: TransferSettings): void {
  localStorage.setItem(KEY(entity), JSON.stringify(s));
}

/** What the New transfer dialog returns. */
export interface NewTransfer {
  direction: 'up' | 'down';
  remoteEntityId: string;
  localPath: string;
  remotePath: string;
  settings: TransferSettings;
}

/** The New transfer dialog. */
export function newTransferDialog(
  remotes: Remote[],
  initial: Partial<Omit<NewTransfer, 'settings'>> = {},
  localFiles: string[] = [],
): Promise<NewTransfer | null> {
  return new Promise((resolve) => {
    if (remotes.length === 0) {
      resolve(null);
      return;
    }
    const entity = h(
      'select',
      { id: 'nt-entity', 'data-test': 'nt-entity' },
      remotes.map((r) => h('option', { value: r.entityId }, `${r.entityId} (${r.address})`)),
    );
    const direction = h(
      'select',
      { id: 'nt-direction', 'data-test': 'nt-direction' },
      h('option', { value: 'up' }, 'Upload (put) to the remote entity'),
      h('option', { value: 'down' }, 'Download (get, a proxy put) from the remote entity'),
    );
    const local = h('input', {
      id: 'nt-local',
      required: true,
      list: 'nt-local-files',
      placeholder: 'path in the local filestore',
      'data-test': 'nt-local',
    });
    const remote = h('input', {
      id: 'nt-remote',
      required: true,
      placeholder: 'path in the remote filestore',
      'data-test': 'nt-remote',
    });
    const cls = h(
      'select',
      { id: 'nt-class', 'data-test': 'nt-class' },
      h('option', { value: '2' }, '2 — acknowledged (reliable)'),
      h('option', { value: '1' }, '1 — unacknowledged'),
    );
    const closure = h('input', { id: 'nt-closure', type: 'checkbox', 'data-test': 'nt-closure' });
    const checksum = h(
      'select',
      { id: 'nt-checksum', 'data-test': 'nt-checksum' },
      ['crc32', 'crc32c', 'modular', 'prox1', 'null'].map((c) => h('option', { value: c }, c)),
    );
    const segment = h('input', {
      id: 'nt-segment',
      type: 'number',
      min: 1,
      max: 65000,
      required: true,
      'data-test': 'nt-segment',
    });
    const load = (): void => {
      const r = remotes.find((x) => x.entityId === entity.value)!;
      const s = rememberedSettings(r);
      cls.value = s.transmissionClass;
      closure.checked = s.closureRequested;
      checksum.value = s.checksum;
      segment.value = s.segmentLength;
    };
    entity.addEventListener('change', load);
    // Checksum and segment size are the sender's choice: for a download the remote entity
    // sends with its own settings, so only class and closure travel in the request.
    const senderOnly = (): void => {
      const up = direction.value === 'up';
      checksum.disabled = !up;
      segment.disabled = !up;
    };
    direction.addEventListener('change', senderOnly);
    if (initial.remoteEntityId !== undefined) entity.value = initial.remoteEntityId;
    if (initial.direction !== undefined) direction.value = initial.direction;
    if (initial.localPath !== undefined) local.value = initial.localPath;
    if (initial.remotePath !== undefined) remote.value = initial.remotePath;
    load();
    senderOnly();
    const d = h(
      'dialog',
      { 'aria-labelledby': 'nt-title', 'data-test': 'new-transfer' },
      h(
        'form',
        { method: 'dialog', class: 'grid' },
        h('h2', { id: 'nt-title', style: 'grid-column: 1 / -1' }, 'New transfer'),
        h('label', { for: 'nt-entity' }, 'Remote entity'),
        entity,
        h('label', { for: 'nt-direction' }, 'Direction'),
        direction,
        h('label', { for: 'nt-local' }, 'Local path'),
        local,
        h(
          'datalist',
          { id: 'nt-local-files' },
          localFiles.map((f) => h('option', { value: f })),
        ),
        h('label', { for: 'nt-remote' }, 'Remote path'),
        remote,
        h('label', { for: 'nt-class' }, 'Class'),
        cls,
        h('label', { for: 'nt-closure' }, 'Closure (class 1)'),
        closure,
        h('label', { for: 'nt-checksum' }, 'Checksum'),
        checksum,
        h('label', { for: 'nt-segment' }, 'Segment size (octets)'),
        segment,
        h(
          'p',
          { class: 'muted', style: 'grid-column: 1 / -1; margin: 0' },
          'Class, closure, checksum and segment size are remembered for each entity.',
        ),
        h(
          'div',
          { class: 'buttons' },
          h('button', { type: 'button', onclick: () => d.close('no') }, 'Cancel'),
          h(
            'button',
            { type: 'submit', value: 'yes', class: 'primary', 'data-test': 'nt-start' },
            'Start transfer',
          ),
        ),
      ),
    );
    d.addEventListener('close', () => {
      if (d.returnValue !== 'yes') return resolve(null);
      const settings: TransferSettings = {
        transmissionClass: cls.value as '1' | '2',
        closureRequested: closure.checked,
        checksum: checksum.value,
        segmentLength: segment.value,
      };
      rememberSettings(entity.value, settings);
      resolve({
        direction: direction.value as 'up' | 'down',
        remoteEntityId: entity.value,
        localPath: local.value.trim(),
        remotePath: remote.value.trim(),
        settings,
      });
    });
    show(d);
    (initial.localPath === undefined ? local : entity).focus();
  });
}

/** The body of a put/get request from dialog settings. */
export function transferBody(t: NewTransfer): Record<string, unknown> {
  return {
    remoteEntityId: t.remoteEntityId,
    localPath: t.localPath,
    remotePath: t.remotePath,
    transmissionClass: Number(t.settings.transmissionClass),
    closureRequested: t.settings.closureRequested,
    checksum: t.settings.checksum,
    segmentLength: Number(t.settings.segmentLength),
  };
}
