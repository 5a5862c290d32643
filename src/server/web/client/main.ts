/**
 * The order page's script (served as /app/assets/app.js; SPEC "The web uploader", seed 000 "UI-Verhalten"):
 * wires the button „Dateien auswählen", the drop zone „Dateien hierher ziehen" (click, Enter or Space open
 * the picker; files dropped on it are taken), the check of each file before any request (validate.ts), the
 * upload queue (queue.ts) with its list (queue-view.ts), and the gallery (gallery.ts), which reloads from
 * GET /api/orders/:id/files after each finalize. Configuration: web/client-config.ts.
 */
import type { ClientConfig } from '../client-config.js';
import { createApi } from './api.js';
import { byId, el, translator } from './dom.js';
import { Gallery } from './gallery.js';
import { createHasher } from './hasher.js';
import type { UploadItem } from './item.js';
import { UploadQueue } from './queue.js';
import { QueueView } from './queue-view.js';
import { rejectReason } from './validate.js';

function start(): void {
  const cfg = JSON.parse(byId('piximmo-config').textContent ?? '{}') as ClientConfig;
  const t = translator(cfg.messages);
  const api = createApi(cfg.signInUrl);
  const gallery = new Gallery(api, cfg.orderId, t, cfg.lang);
  const input = byId<HTMLInputElement>('file-input');
  const drop = byId('dropzone');
  const room = byId<HTMLSelectElement>('room');
  const stack = byId<HTMLInputElement>('stack');
  const rejected = byId('rejected');
  const rejectedList = byId('rejected-list');
  const summary = byId('queue-summary');
  const empty = byId('queue-empty');

  const refreshSummary = () => {
    const counted = queue.items.filter((i) => i.state !== 'cancelled');
    const done = counted.filter((i) => i.state === 'registered').length;
    summary.textContent = counted.length ? t('upload.summary', { done, total: counted.length }) : '';
    empty.hidden = queue.items.length > 0;
  };
  const view = new QueueView(t, cfg.lang, {
    cancel: (item) => queue.cancel(item),
    retry: (item) => queue.retry(item),
    dismiss: (item: UploadItem) => {
      view.remove(item);
      queue.items.splice(queue.items.indexOf(item), 1);
      refreshSummary();
    },
  });
  const queue = new UploadQueue({
    api,
    hasher: createHasher(cfg.hashWorkerUrl),
    orderId: cfg.orderId,
    concurrency: cfg.concurrency,
    changed: (item) => {
      view.update(item);
      refreshSummary();
    },
    onRegistered: () => void gallery.reload(),
    onFailed: () => undefined,
  });

  const addFiles = (files: Iterable<File>) => {
    const stackId = stack.value.trim();
    for (const file of files) {
      const why = rejectReason(file, cfg.types, cfg.maxBytes, cfg.lang, t);
      if (why) {
        rejectedList.append(el('li', { 'data-name': file.name }, why));
        rejected.hidden = false;
        continue;
      }
      queue.add(file, room.value, stackId);
    }
  };

  const openPicker = () => input.click();
  byId('pick').addEventListener('click', openPicker);
  input.addEventListener('change', () => {
    if (input.files) addFiles(Array.from(input.files));
    input.value = '';
  });
  drop.addEventListener('click', openPicker);
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      openPicker();
    }
  });
  let depth = 0;
  drop.addEventListener('dragenter', (e) => {
    e.preventDefault();
    depth++;
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => {
    if (--depth <= 0) {
      depth = 0;
      drop.classList.remove('over');
    }
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  });
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    drop.classList.remove('over');
    if (e.dataTransfer?.files.length) addFiles(Array.from(e.dataTransfer.files));
  });
  // A file dropped next to the zone must not make the browser navigate away from the page.
  for (const type of ['dragover', 'drop'] as const) window.addEventListener(type, (e) => e.preventDefault());
  window.addEventListener('beforeunload', (e) => {
    if (queue.activeCount() > 0) e.preventDefault();
  });

  refreshSummary();
  void gallery.reload();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
